//! SQL functions icp adds to the query engine, usable by the built-in features and by a
//! workspace's `features.sql` alike:
//!
//! - `sentiment(text) -> DOUBLE`: the lexicon sentiment of a text in −1…+1
//!   ([`icp_ml::text::sentiment`]); NULL for a NULL text.

use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, Float64Array};
use arrow_schema::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Volatility, create_udf};
use datafusion::prelude::SessionContext;
use std::sync::Arc;

fn sentiment_of(args: &[ColumnarValue]) -> datafusion::error::Result<ColumnarValue> {
    let [arg] = args else {
        return Err(datafusion::error::DataFusionError::Plan(format!(
            "sentiment takes one text argument, got {}",
            args.len()
        )));
    };
    match arg {
        ColumnarValue::Scalar(v) => {
            let text = match v.cast_to(&DataType::Utf8)? {
                ScalarValue::Utf8(t) => t,
                _ => None,
            };
            Ok(ColumnarValue::Scalar(ScalarValue::Float64(
                text.map(|t| icp_ml::text::sentiment(&t)),
            )))
        }
        ColumnarValue::Array(a) => {
            let text = datafusion::arrow::compute::cast(a, &DataType::Utf8)?;
            let scores: Float64Array = text
                .as_string::<i32>()
                .iter()
                .map(|t| t.map(icp_ml::text::sentiment))
                .collect();
            Ok(ColumnarValue::Array(Arc::new(scores) as ArrayRef))
        }
    }
}

/// The `sentiment(text)` function.
pub fn sentiment_udf() -> ScalarUDF {
    create_udf(
        "sentiment",
        vec![DataType::Utf8],
        DataType::Float64,
        Volatility::Immutable,
        Arc::new(sentiment_of),
    )
}

/// Registers every icp function in a session.
pub fn register(ctx: &SessionContext) {
    ctx.register_udf(sentiment_udf());
}
