//! CSV downloads (the audit log, billing): streamed a page at a time, so memory stays flat however
//! long the export, and no database connection is held between pages.

use crate::csv;
use app::error::AppError;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Query};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use std::future::Future;

/// `header`, then what `page(cursor)` renders, page after page, until it returns no next cursor. The
/// next page is read and rendered while the last one is being sent (at most two wait in between, so
/// memory stays at a few pages); a client that goes away stops the reading. A failure part way ends
/// the download with an error the client sees as a broken transfer, and the log says `what` stopped.
pub fn csv_stream<C, F, Fut>(what: &'static str, header: &'static [&'static str], page: F) -> Body
where
    C: Clone + Send + 'static,
    F: Fn(Option<C>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<(String, Option<C>)>> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(2);
    tokio::spawn(async move {
        let mut out = String::new();
        csv::header(&mut out, header);
        let mut cursor: Option<C> = None;
        loop {
            match page(cursor.take()).await {
                Ok((chunk, next)) => {
                    out.push_str(&chunk);
                    if tx.send(Ok(Bytes::from(std::mem::take(&mut out)))).await.is_err() {
                        return; // The client went away.
                    }
                    match next {
                        Some(n) => cursor = Some(n),
                        None => return,
                    }
                }
                Err(e) => {
                    tracing::error!(error = %format!("{e:#}"), "{what} stopped part way");
                    let _ = tx.send(Err(std::io::Error::other(format!("{what} stopped part way")))).await;
                    return;
                }
            }
        }
    });
    Body::from_stream(tokio_stream_receiver(rx))
}

/// The receiving end as a stream of body chunks; it ends when the producer is done.
fn tokio_stream_receiver(
    mut rx: tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
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

/// A download's query, parsed; a query that does not parse (a field given twice, a word where a
/// number goes) is a 400 with the JSON envelope saying what was wrong, not axum's plain text.
pub struct Params<T>(pub T);

impl<S, T> FromRequestParts<S> for Params<T>
where
    S: Send + Sync,
    T: serde::de::DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(q)) => Ok(Params(q)),
            Err(e) => {
                let why = e.body_text();
                let why = why.strip_prefix("Failed to deserialize query string: ").unwrap_or(&why).to_string();
                Err(AppError::BadRequest(format!("This download's address is not valid: {why}.")))
            }
        }
    }
}
