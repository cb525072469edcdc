//! Sign-in, sign-up, a forgotten password and an address's confirmation without JavaScript: the pages' forms post here (form-encoded) when the app has
//! not loaded yet. Each handler does what the server function does, through the same port, stores
//! the outcome for the page to show (`FormState`), and answers with a redirect that never carries the
//! password. The same-origin guard covers these posts like every other.

use app::api::auth::FormState;
use app::error::AppError;
use app::model::{Email, NewPassword};
use app::ports::{ClientInfo, Ports, RequestCtx};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Deserialize)]
pub struct Credentials {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

#[derive(Deserialize)]
pub struct Code {
    #[serde(default)]
    code: String,
}

/// Where the browser goes next; the outcome waits in the session for the page.
async fn finish(session: &Session, state: FormState, success: bool, back_to: &'static str) -> Response {
    back(session, state, if success { "/" } else { back_to }).await
}

/// The page at `to` shows `state` (read once).
async fn back(session: &Session, state: FormState, to: &str) -> Response {
    if let Err(e) = crate::auth::sessions::set_form_state(session, &state).await {
        tracing::warn!(error = %e, "could not keep a form's outcome for its page");
    }
    Redirect::to(to).into_response()
}

#[derive(Deserialize)]
pub struct Address {
    #[serde(default)]
    email: String,
}

#[derive(Deserialize)]
pub struct Link {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

/// The link's page again after a refusal, with its token, so the form can be sent again; a token
/// that is not even plausible is left out.
fn with_token(page: &str, token: &str) -> String {
    match token.len() <= 200 && token.chars().all(|c| c.is_ascii_alphanumeric()) && !token.is_empty() {
        true => format!("{page}?token={token}"),
        false => page.to_string(),
    }
}

pub async fn forgot(
    State(ports): State<Ports>,
    session: Session,
    Extension(client): Extension<ClientInfo>,
    Form(f): Form<Address>,
) -> Response {
    let email = Some(f.email.trim().to_string()).filter(|e| e.len() <= Email::MAX_LEN);
    match ports.auth.request_password_reset(&ctx(session.clone(), client), &f.email).await {
        Ok(()) => back(&session, FormState { done: true, email, ..Default::default() }, "/forgot").await,
        Err(e) => back(&session, FormState { error: Some(e), email, ..Default::default() }, "/forgot").await,
    }
}

pub async fn reset(
    State(ports): State<Ports>,
    session: Session,
    Extension(client): Extension<ClientInfo>,
    Form(f): Form<Link>,
) -> Response {
    let outcome = match NewPassword::parse(&f.password) {
        Ok(p) => ports.auth.complete_password_reset(&ctx(session.clone(), client), &f.token, p).await,
        Err(m) => Err(AppError::invalid("password", m)),
    };
    match outcome {
        Ok(()) => back(&session, FormState { done: true, ..Default::default() }, "/reset").await,
        Err(e) => back(&session, FormState { error: Some(e), ..Default::default() }, &with_token("/reset", &f.token)).await,
    }
}

pub async fn verify(
    State(ports): State<Ports>,
    session: Session,
    Extension(client): Extension<ClientInfo>,
    Form(f): Form<Link>,
) -> Response {
    match ports.auth.verify_email(&ctx(session.clone(), client), &f.token).await {
        Ok(v) => back(&session, FormState { done: true, email: Some(v.email.to_string()), ..Default::default() }, "/verify").await,
        Err(e) => back(&session, FormState { error: Some(e), ..Default::default() }, "/verify").await,
    }
}

fn ctx(session: Session, client: ClientInfo) -> RequestCtx {
    RequestCtx { session, client }
}

pub async fn login(
    State(ports): State<Ports>,
    session: Session,
    Extension(client): Extension<ClientInfo>,
    Form(f): Form<Credentials>,
) -> Response {
    let email = Some(f.email.trim().to_string()).filter(|e| e.len() <= Email::MAX_LEN);
    match ports.auth.login(&ctx(session.clone(), client), &f.email, &f.password).await {
        Ok(o) if o.two_factor_required => {
            finish(&session, FormState { code_step: true, email, ..Default::default() }, false, "/login").await
        }
        Ok(_) => finish(&session, FormState::default(), true, "/login").await,
        Err(e) => finish(&session, FormState { error: Some(e), email, ..Default::default() }, false, "/login").await,
    }
}

pub async fn login_two_factor(
    State(ports): State<Ports>,
    session: Session,
    Extension(client): Extension<ClientInfo>,
    Form(f): Form<Code>,
) -> Response {
    match ports.auth.login_second_factor(&ctx(session.clone(), client), &f.code).await {
        Ok(_) => finish(&session, FormState::default(), true, "/login").await,
        // A sign-in that must start over goes back to the password step.
        Err(e @ AppError::Forbidden(_)) => finish(&session, FormState { error: Some(e), ..Default::default() }, false, "/login").await,
        Err(e) => finish(&session, FormState { error: Some(e), code_step: true, ..Default::default() }, false, "/login").await,
    }
}

pub async fn signup(
    State(ports): State<Ports>,
    session: Session,
    Extension(client): Extension<ClientInfo>,
    Form(f): Form<Credentials>,
) -> Response {
    let email_back = Some(f.email.trim().to_string()).filter(|e| e.len() <= Email::MAX_LEN);
    let parsed = Email::parse(&f.email)
        .map_err(|m| AppError::invalid("email", m))
        .and_then(|e| NewPassword::parse(&f.password).map(|p| (e, p)).map_err(|m| AppError::invalid("password", m)));
    let outcome = match parsed {
        Ok((email, password)) => ports.auth.signup(&ctx(session.clone(), client), email, password).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => finish(&session, FormState::default(), true, "/signup").await,
        Err(e) => finish(&session, FormState { error: Some(e), email: email_back, ..Default::default() }, false, "/signup").await,
    }
}
