//! CSV downloads (the audit log, billing): streamed a page at a time, so memory stays flat however
//! long the export, and no database connection is held between pages.

use crate::csv;
use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use std::future::Future;
use std::sync::Arc;

/// `header`, then what `page(cursor)` renders, page after page, until it returns no next cursor. A
/// failure part way ends the download with an error the client sees as a broken transfer (and the
/// log says `what` stopped).
pub fn csv_stream<C, F, Fut>(what: &'static str, header: &'static [&'static str], page: F) -> Body
where
    C: Clone + Send + 'static,
    F: Fn(Option<C>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<(String, Option<C>)>> + Send + 'static,
{
    let page = Arc::new(page);
    let s = futures::stream::unfold((None::<C>, false, false), move |(cursor, header_sent, done)| {
        let page = page.clone();
        async move {
            if done {
                return None;
            }
            let mut out = String::new();
            if !header_sent {
                csv::header(&mut out, header);
            }
            match page(cursor.clone()).await {
                Ok((chunk, next)) => {
                    out.push_str(&chunk);
                    let finished = next.is_none();
                    Some((Ok::<Bytes, std::io::Error>(Bytes::from(out)), (next.or(cursor), true, finished)))
                }
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "{what} stopped part way");
                    Some((Err(std::io::Error::other(format!("{what} stopped part way"))), (cursor, true, true)))
                }
            }
        }
    });
    // Fused: the compression layer may poll once more after the end.
    Body::from_stream(futures::StreamExt::fuse(s))
}

/// A download the browser saves as `filename`, never cached.
pub fn attachment(filename: &str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}
