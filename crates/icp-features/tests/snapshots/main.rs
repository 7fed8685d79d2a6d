//! Feature snapshots: every family on a generated company, and no future data in any of them.
//! One test binary, as each links DataFusion.

mod families;
mod leakage;
