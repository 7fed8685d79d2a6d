//! The pipeline's stages run end to end on generated companies and are checked against the
//! generator's ground truth. One test binary (each links DataFusion: separate binaries cost
//! about 700 MB of disk and a long link apiece).

mod behaviour;
mod export;
mod pipeline;
mod scores;
mod segments;
