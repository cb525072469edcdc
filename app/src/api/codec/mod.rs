//! How the API's JSON is written and read, on each side of the wire, and the browser's one way to
//! load and one way to act.
//!
//! The wire is plain JSON (the HTTP contract: `Content-Type: application/json` both ways). What
//! differs is the reader. The server reads requests with serde_json, whose messages tell an API
//! caller what was wrong ("missing field `password`"). The browser only ever reads answers this
//! server wrote, and reads them with [`reader`], which adds a few kilobytes to the WebAssembly where
//! serde_json added a parser per decoded type (see its module doc).
//!
//! [`Json`] is the encoding of every server function (`#[server(input = Json, output = Json)]`), and
//! [`JsonBody`] is also the codec of every [`Load`], the resources whose first value travels inside
//! the server-rendered page.
//!
//! # The rule: one way to load, one way to act
//!
//! - **A page's data** is a [`Later`] started in its `<Page>Data::start()` (a lazy route's `data()`),
//!   so it is fetched while the page's code arrives; the page reads it inside a `Suspense` or
//!   `Transition` (`.await`, or `.get()` under one), never outside: what is read outside is rendered
//!   by the server before it arrives and by the hydrating browser with it, and hydration fails.
//! - **Other loads** (a panel that opens inside a page: sizes for a resize, images for a reinstall)
//!   are a [`Load`] started where the panel is (`load(source, fetch)`), read the same way. A
//!   `Later` where the main module must start it, a `Load` where the page's own chunk does.
//! - **Every change** is an [`Act`]: `Act::of::<F>()` and `.dispatch(F { … })` for one server
//!   function, `Act::local()` and `.perform(async { … })` for a sequence of calls or a typed helper
//!   (several rules, a job to follow afterwards). It is pending while any run is in flight, keeps
//!   the latest dispatched run's answer (never a stale one) and keeps errors as `AppError`. Not
//!   `ServerAction`: Leptos 0.8's action does not keep the latest answer (see [`Act`]). Not a bare
//!   `spawn_local` around a server function. The one exception is following a job to its end
//!   (`pages/instance/progress.rs`): that is a load that polls, not a change.

mod later;
pub mod reader;

pub use later::{later, send, Act, Call, Later, PartOf};

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server::codee;
use leptos::server_fn::codec::Post;
use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::{de::DeserializeOwned, Serialize};

/// A server function's request or answer: a JSON body, by `POST`.
pub type Json = Post<JsonBody>;

/// The JSON encoding (see the module doc for who reads it how).
pub struct JsonBody;

impl ContentType for JsonBody {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonBody {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonBody {
    type Error = serde_json::Error;

    fn encode(value: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(value).map(Bytes::from)
    }
}

#[cfg(feature = "ssr")]
impl<T: DeserializeOwned> Decodes<T> for JsonBody {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        serde_json::from_slice(&bytes)
    }
}

#[cfg(not(feature = "ssr"))]
impl<T: DeserializeOwned> Decodes<T> for JsonBody {
    type Error = reader::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        reader::from_slice(&bytes)
    }
}

impl<T: Serialize> codee::Encoder<T> for JsonBody {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> codee::Decoder<T> for JsonBody {
    type Error = reader::Error;
    type Encoded = str;

    fn decode(text: &str) -> Result<T, Self::Error> {
        reader::from_str(text)
    }
}

/// A load whose first value is rendered on the server and travels inside the page, so the
/// browser does not fetch it again when it takes the page over.
pub type Load<T> = Resource<Result<T, AppError>, JsonBody>;

/// Starts a [`Load`]: `fetch` runs whenever `source` changes (as `Resource::new`).
#[track_caller]
pub fn load<T, S, Fut>(source: impl Fn() -> S + Send + Sync + 'static, fetch: impl Fn(S) -> Fut + Send + Sync + 'static) -> Load<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + Send + 'static,
{
    Resource::new_with_options(source, fetch, false)
}
