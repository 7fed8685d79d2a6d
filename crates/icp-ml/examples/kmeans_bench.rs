//! Bench driver for `bench/kmeans.sh`: fits icp's k-means on a raw little-endian `f64` file
//! written by `bench/kmeans_sklearn.py` (the same bytes scikit-learn reads) and prints one
//! JSON line with the wall time of the fit (reading excluded) and the final inertia.
//!
//! ```text
//! cargo run --release -p icp-ml --example kmeans_bench -- FILE N_ROWS N_COLS K N_INIT MAX_ITER [hamerly|lloyd|minibatch]
//! ```

use std::time::Instant;

use icp_ml::Matrix;
use icp_ml::cluster::{Algorithm, KMeans, MiniBatchKMeans};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 6 {
        return Err(
            "usage: kmeans_bench FILE N_ROWS N_COLS K N_INIT MAX_ITER [hamerly|lloyd|minibatch]"
                .into(),
        );
    }
    let (n, d): (usize, usize) = (args[1].parse()?, args[2].parse()?);
    let (k, n_init, max_iter): (usize, usize, usize) =
        (args[3].parse()?, args[4].parse()?, args[5].parse()?);
    let variant = args.get(6).map_or("hamerly", String::as_str);
    let bytes = std::fs::read(&args[0])?;
    if bytes.len() != n * d * 8 {
        return Err(format!("{} bytes, expected {} × {} × 8", bytes.len(), n, d).into());
    }
    let data: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect();
    let x = Matrix::new(data, n, d)?;
    let start = Instant::now();
    let model = match variant {
        "minibatch" => MiniBatchKMeans::params(k).seed(0).fit(&x)?,
        v => {
            let algorithm = match v {
                "lloyd" => Algorithm::Lloyd,
                _ => Algorithm::Hamerly,
            };
            KMeans::params(k)
                .n_init(n_init)
                .max_iter(max_iter)
                .seed(0)
                .algorithm(algorithm)
                .fit(&x)?
        }
    };
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{{\"seconds\": {seconds}, \"inertia\": {:?}, \"n_iter\": {}, \"threads\": {}}}",
        model.inertia(),
        model.n_iter(),
        rayon::current_num_threads()
    );
    Ok(())
}
