//! Loads whose answers are read where they are shown.
//!
//! The panel's main module starts every page's loads the moment the page is entered, while the
//! page's own code (a chunk, see `pages::lazy`) is still on its way, so code and data travel together.
//! Were those loads typed, the main module would carry every page's decoding and one copy of the
//! resource machinery per load. So a load is a [`Call`] (a server function's endpoint and JSON body:
//! plain data), every load is the same resource of answers kept as JSON text, and a [`Later<T>`]
//! reads its text as a `T` in the code that shows it, which is where that decoding then lives.

use super::{load, reader, Load};
use crate::error::AppError;
use futures::future::{FutureExt, Map};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use serde::{de::DeserializeOwned, Deserialize, Deserializer, Serialize, Serializer};
use std::future::IntoFuture;
use std::marker::PhantomData;
use std::sync::Arc;

/// A server function's answer as JSON text. Inside a page it travels as a JSON string. Shared, so
/// that a [`Later`] can tell the answer it decoded last from a new one without comparing text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raw(Arc<str>);

impl Serialize for Raw {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Raw(s.into()))
    }
}

/// Rendering on the server, a call runs the function's body in the page's request.
#[cfg(feature = "ssr")]
type Body = Arc<dyn Fn() -> futures::future::BoxFuture<'static, Result<String, AppError>> + Send + Sync>;

/// What a load asks for: a server function call, or an answer known without asking. Equal calls
/// are one load: the page loads again when its call changes (or its [`Call::version`] does).
pub struct Call<T> {
    what: What,
    version: u32,
    of: PhantomData<fn() -> T>,
}

#[derive(Clone)]
enum What {
    Post {
        path: &'static str,
        body: String,
        #[cfg(feature = "ssr")]
        run: Body,
    },
    Known(&'static str),
}

impl<T> Call<T> {
    /// Server function `F`, as its typed call would send it.
    pub fn to<F>(call: F) -> Call<T>
    where
        F: ServerFn<Error = AppError, Output = T> + Serialize + Clone + Send + Sync + 'static,
        T: Serialize,
    {
        let body = serde_json::to_string(&call).unwrap_or_default();
        #[cfg(feature = "ssr")]
        let run: Body = Arc::new(move || {
            let call = call.clone();
            Box::pin(async move {
                let answer = call.run_body().await?;
                serde_json::to_string(&answer).map_err(|e| {
                    tracing::error!(error = %e, path = F::PATH, "an answer could not be written");
                    AppError::internal()
                })
            })
        });
        Call {
            what: What::Post {
                path: F::PATH,
                body,
                #[cfg(feature = "ssr")]
                run,
            },
            version: 0,
            of: PhantomData,
        }
    }

    /// An answer known without asking, as JSON: only through the typed [`Call::empty`] and
    /// [`Call::none`], so the JSON always fits the type.
    fn known(json: &'static str) -> Call<T> {
        Call { what: What::Known(json), version: 0, of: PhantomData }
    }

    /// The same call, made again whenever `version` changes (after the page changed what it shows).
    pub fn version(self, version: u32) -> Call<T> {
        Call { version, ..self }
    }

    /// The same call, read as an `Option` that holds its answer (JSON writes `Some(v)` as `v`).
    pub fn some(self) -> Call<Option<T>> {
        Call { what: self.what, version: self.version, of: PhantomData }
    }

    /// The same call, its answer read as `U`: a part of it the page needs (`U: PartOf<T>`), or
    /// `serde::de::IgnoredAny` when only success matters. The browser then carries no code for the
    /// rest of the answer.
    pub fn reading<U: PartOf<T>>(self) -> Call<U> {
        Call { what: self.what, version: self.version, of: PhantomData }
    }

    fn untyped(self) -> Call<()> {
        Call { what: self.what, version: self.version, of: PhantomData }
    }
}

impl<T> Call<Vec<T>> {
    /// An empty list, known without asking (nothing chosen yet to ask about).
    pub fn empty() -> Self {
        Call::known("[]")
    }
}

impl<T> Call<Option<T>> {
    /// Nothing, known without asking.
    pub fn none() -> Self {
        Call::known("null")
    }
}

/// `Self` may be read from an answer of type `Of`: every field of `Self` is one of `Of`'s, with the
/// same type. Each impl is a promise a test keeps (it reads a written `Of` as `Self`).
pub trait PartOf<Of> {}

/// Only whether the call succeeded.
impl<Of> PartOf<Of> for serde::de::IgnoredAny {}

impl<T> Clone for Call<T> {
    fn clone(&self) -> Self {
        Call { what: self.what.clone(), version: self.version, of: PhantomData }
    }
}

impl<T> PartialEq for Call<T> {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
            && match (&self.what, &other.what) {
                (What::Post { path: a, body: x, .. }, What::Post { path: b, body: y, .. }) => a == b && x == y,
                (What::Known(a), What::Known(b)) => a == b,
                _ => false,
            }
    }
}

impl Call<()> {
    /// The answer's text. One function for every load, so the browser has it once.
    async fn answer(self) -> Result<Raw, AppError> {
        match self.what {
            What::Known(json) => Ok(Raw(json.into())),
            #[cfg(feature = "ssr")]
            What::Post { run, .. } => run().await.map(|s| Raw(s.into())),
            #[cfg(not(feature = "ssr"))]
            What::Post { path, body, .. } => post(path, body).await.map(|s| Raw(s.into())),
        }
    }
}

/// Makes `call` once, now (a button's action), and reads its answer. Through the same `POST` as
/// every load, so a page that has loads needs no other client code for this.
pub async fn send<T: DeserializeOwned>(call: Call<T>) -> Result<T, AppError> {
    read(call.untyped().answer().await)
}

/// How an [`Act`] gets its answers: [`send`], or the tests' stand-in for the server.
/// (Shared, so that an `Act` made while the server renders a page can be dropped on any thread.)
type Answer<T> = Arc<dyn Fn(&Call<T>) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, AppError>>>> + Send + Sync>;

/// The one way to act: a button's (or a form's) call and its last answer. Pending while *any* run
/// is in flight; when runs overlap, the answer of the latest one dispatched is kept, whatever order
/// they finish in, and a stale one never replaces it; errors are kept as `AppError`.
///
/// Leptos' own `Action` (and so `ServerAction`) promises the same, but in reactive_graph 0.2 its
/// "latest" check compares against a dispatch counter that is never incremented, so the answer that
/// arrives last wins (the test below fails on it). This one counts. It also goes through the one
/// `POST` every load uses ([`send`]), without the typed client code a `ServerAction` brings for each
/// function.
pub struct Act<T: Send + Sync + 'static> {
    value: RwSignal<Option<Result<T, AppError>>>,
    in_flight: RwSignal<usize>,
    /// How many answers were kept: what a page reloads on after its action changed something.
    version: RwSignal<usize>,
    dispatched: StoredValue<u64>,
    /// `None` for an `Act` fed only through [`Act::perform`].
    answer: StoredValue<Option<Answer<T>>>,
}

impl<T: Send + Sync + 'static> Clone for Act<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Act<T> {}

impl<T: DeserializeOwned + Clone + Send + Sync + 'static> Act<T> {
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Act::with(|call: &Call<T>| send(call.clone()))
    }

    /// An `Act` for server function `F`: its answers are `F`'s output.
    pub fn of<F: ServerFn<Output = T>>() -> Self {
        Act::new()
    }

    /// Calls server function `F` with these arguments (as [`Act::run`] of its [`Call`]).
    pub fn dispatch<F>(&self, call: F)
    where
        F: ServerFn<Error = AppError, Output = T> + Serialize + Clone + Send + Sync + 'static,
        T: Serialize,
    {
        self.run(Call::to(call));
    }
}

impl<T: Clone + Send + Sync + 'static> Act<T> {
    /// An `Act` whose calls are answered by `answer`.
    pub(crate) fn with<Fu: std::future::Future<Output = Result<T, AppError>> + 'static>(
        answer: impl Fn(&Call<T>) -> Fu + Send + Sync + 'static,
    ) -> Self {
        Act::made(Some(Arc::new(move |call: &Call<T>| Box::pin(answer(call)))))
    }

    fn made(answer: Option<Answer<T>>) -> Self {
        Act {
            value: RwSignal::new(None),
            in_flight: RwSignal::new(0),
            version: RwSignal::new(0),
            dispatched: StoredValue::new(0),
            answer: StoredValue::new(answer),
        }
    }

    /// An `Act` fed only through [`Act::perform`]: for a sequence of calls, or a typed helper.
    pub fn local() -> Self {
        Act::made(None)
    }

    /// Makes `call`; its answer becomes the value unless a later run was dispatched meanwhile.
    pub fn run(&self, call: Call<T>) {
        match self.answer.with_value(|a| a.as_ref().map(|a| a(&call))) {
            Some(answer) => self.perform(answer),
            None => debug_assert!(false, "Act::local() runs only what it is given to perform"),
        }
    }

    /// Runs `work` (several calls, or one through a typed helper) as one run of this action, with
    /// the same guarantees as [`Act::run`]. What must happen after a success (follow a job, reload a
    /// list) is part of `work`.
    pub fn perform(&self, work: impl std::future::Future<Output = Result<T, AppError>> + 'static) {
        let this = *self;
        let run = self.dispatched.get_value() + 1;
        self.dispatched.set_value(run);
        self.in_flight.update(|n| *n += 1);
        leptos::task::spawn_local(async move {
            let answer = work.await;
            if this.dispatched.get_value() == run {
                this.value.set(Some(answer));
                this.version.update(|v| *v += 1);
            }
            this.in_flight.update(|n| *n = n.saturating_sub(1));
        });
    }

    /// The last answer kept, `None` before the first.
    pub fn value(&self) -> ReadSignal<Option<Result<T, AppError>>> {
        self.value.read_only()
    }

    /// True while any run is in flight.
    pub fn pending(&self) -> Signal<bool> {
        let in_flight = self.in_flight;
        Signal::derive(move || in_flight.get() > 0)
    }

    /// Forgets the last answer (a form that starts over).
    pub fn clear(&self) {
        self.value.set(None);
    }

    /// How many answers were kept so far.
    pub fn version(&self) -> ReadSignal<usize> {
        self.version.read_only()
    }
}

/// A `POST` of a JSON body, answered with JSON text or the error envelope (as every server
/// function's call from the browser).
#[cfg(feature = "hydrate")]
async fn post(path: &'static str, body: String) -> Result<String, AppError> {
    use leptos::server_fn::client::{browser::BrowserClient, Client};
    use leptos::server_fn::error::FromServerFnError;
    use leptos::server_fn::request::{browser::BrowserRequest, ClientReq};
    use leptos::server_fn::response::ClientRes;
    use leptos::server_fn::ContentType;
    let json = super::JsonBody::CONTENT_TYPE;
    let request = <BrowserRequest as ClientReq<AppError>>::try_new_post(path, json, json, body)?;
    let response = <BrowserClient as Client<AppError>>::send(request).await?;
    let status = ClientRes::<AppError>::status(&response);
    let text = ClientRes::<AppError>::try_into_string(response).await?;
    if (400..=599).contains(&status) {
        Err(AppError::de(text.into()))
    } else {
        Ok(text)
    }
}

/// Neither server nor browser (a unit test of this crate alone): nothing to call.
#[cfg(not(any(feature = "hydrate", feature = "ssr")))]
async fn post(_path: &'static str, _body: String) -> Result<String, AppError> {
    Err(AppError::Network("no server to call in this build".into()))
}

/// A load whose answer is read as a `T` where it is shown: `.await` and [`Later::get`] decode it,
/// once per answer (the decoded value is kept with the answer it came from; reading it again clones).
pub struct Later<T: Send + Sync + 'static> {
    raw: Load<Raw>,
    decoded: StoredValue<Option<(Result<Raw, AppError>, Result<T, AppError>)>>,
}

impl<T: Send + Sync> Clone for Later<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync> Copy for Later<T> {}

/// Starts a [`Later`]: loads `call()`'s answer, and again whenever it changes. Rendering on the
/// server, the answer is part of the page.
pub fn later<T: Send + Sync>(call: impl Fn() -> Call<T> + Send + Sync + 'static) -> Later<T> {
    Later { raw: raw_load(Arc::new(move || call().untyped())), decoded: StoredValue::new(None) }
}

/// The one resource every [`Later`] is.
fn raw_load(call: Arc<dyn Fn() -> Call<()> + Send + Sync>) -> Load<Raw> {
    load(move || call(), Call::answer)
}

impl<T: DeserializeOwned + Clone + Send + Sync + 'static> Later<T> {
    /// The answer, once there (tracked, like `Resource::get`).
    pub fn get(&self) -> Option<Result<T, AppError>> {
        self.raw.get().map(|answer| self.decode(answer))
    }

    /// The answer, once there, without subscribing to it.
    pub fn get_untracked(&self) -> Option<Result<T, AppError>> {
        self.raw.get_untracked().map(|answer| self.decode(answer))
    }

    /// `answer` as a `T`: decoded the first time, cloned from the kept value after that.
    fn decode(&self, answer: Result<Raw, AppError>) -> Result<T, AppError> {
        let same = |kept: &Result<Raw, AppError>| match (kept, &answer) {
            (Ok(Raw(a)), Ok(Raw(b))) => Arc::ptr_eq(a, b),
            (a, b) => a == b,
        };
        let hit = self.decoded.try_with_value(|d| d.as_ref().filter(|(kept, _)| same(kept)).map(|(_, value)| value.clone())).flatten();
        hit.unwrap_or_else(|| {
            let value = read(answer.clone());
            self.decoded.try_set_value(Some((answer, value.clone())));
            value
        })
    }

    pub fn refetch(&self) {
        self.raw.refetch();
    }

    /// Loads again each time `changed` gives a new value (an action's `version()`, say): how a page
    /// shows what its own actions changed.
    pub fn reload_on<V: PartialEq + Clone + Send + Sync + 'static>(self, changed: impl Fn() -> V + Send + Sync + 'static) {
        Effect::watch(changed, move |_, _, _| self.refetch(), false);
    }
}

fn read<T: DeserializeOwned>(answer: Result<Raw, AppError>) -> Result<T, AppError> {
    answer.and_then(|Raw(json)| reader::from_str(&json).map_err(|_| AppError::Network("the answer could not be read".into())))
}

impl<T: DeserializeOwned + Clone + Send + Sync + 'static> IntoFuture for Later<T> {
    type Output = Result<T, AppError>;
    type IntoFuture = Map<<Load<Raw> as IntoFuture>::IntoFuture, Box<dyn FnOnce(Result<Raw, AppError>) -> Result<T, AppError> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        self.raw.into_future().map(Box::new(move |answer| self.decode(answer)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// A page reads its data many times (each `get` under a `Suspense`, each `.await`): the answer is
    /// decoded the first time only, and the same value comes back every time.
    #[tokio::test]
    async fn an_answer_is_decoded_once_however_often_it_is_read() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static DECODED: AtomicUsize = AtomicUsize::new(0);
        #[derive(Clone, Debug, PartialEq)]
        struct Counted(u32);
        impl<'de> Deserialize<'de> for Counted {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                DECODED.fetch_add(1, Ordering::SeqCst);
                u32::deserialize(d).map(Counted)
            }
        }
        let _ = any_spawner::Executor::init_tokio();
        let owner = Owner::new();
        owner.set();
        tokio::task::LocalSet::new()
            .run_until(async move {
                let data = later(|| Call::<Counted>::known("7"));
                assert_eq!(data.await, Ok(Counted(7)));
                for _ in 0..3 {
                    assert_eq!(data.get_untracked(), Some(Ok(Counted(7))));
                    assert_eq!(data.await, Ok(Counted(7)));
                }
                assert_eq!(DECODED.load(Ordering::SeqCst), 1, "decoded once, then cloned");
            })
            .await;
    }

    /// Two overlapping runs of the one action type, the first answered last: the value is the
    /// second's answer, and pending stays true until both have ended.
    #[tokio::test]
    async fn overlapping_runs_keep_the_latest_answer_and_stay_pending_until_both_end() {
        let _ = any_spawner::Executor::init_tokio();
        let owner = Owner::new();
        owner.set();
        tokio::task::LocalSet::new()
            .run_until(async move {
                // Each run waits for its own answer, given by the test in the order it chooses.
                let waiting: Arc<Mutex<HashMap<&'static str, futures::channel::oneshot::Sender<String>>>> = Arc::default();
                let act = {
                    let waiting = waiting.clone();
                    Act::<String>::with(move |call: &Call<String>| {
                        let (tx, rx) = futures::channel::oneshot::channel();
                        let name = match &call.what {
                            What::Known(name) => *name,
                            What::Post { path, .. } => path,
                        };
                        waiting.lock().unwrap().insert(name, tx);
                        async move { rx.await.map_err(|_| AppError::Network("gone".into())) }
                    })
                };
                let settle = || async {
                    for _ in 0..20 {
                        tokio::task::yield_now().await;
                    }
                };
                act.run(Call::known("first"));
                act.run(Call::known("second"));
                settle().await;
                assert!(act.pending().get_untracked());
                let answer = |name: &'static str| waiting.lock().unwrap().remove(name).unwrap().send(format!("{name} answer")).unwrap();
                answer("second");
                settle().await;
                assert_eq!(act.value().get_untracked(), Some(Ok("second answer".to_string())));
                assert!(act.pending().get_untracked(), "the first run is still in flight");
                answer("first");
                settle().await;
                assert_eq!(act.value().get_untracked(), Some(Ok("second answer".to_string())), "a stale answer never wins");
                assert!(!act.pending().get_untracked(), "pending ends with the last run");
            })
            .await;
    }
}
