//! Accepting connections, with the limits a public server needs: at most `max_connections` open at
//! once (more wait in the listen backlog), request headers within `header_timeout`, a kept-alive
//! connection closed after `idle_timeout` without a request, and (a layer in the router) request
//! bodies within `body_timeout`. On shutdown the listener closes first, every connection finishes the
//! request it is serving, and whatever has not finished after `drain` is cut. Before that, for
//! `drain_delay`, the server keeps accepting while `/readyz` says it is draining: a load balancer
//! checking readiness takes it out of rotation before its port closes, so no new request is refused.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt as _;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub drain: Duration,
    pub drain_delay: Duration,
}

/// Whether the server is shutting down (`/readyz` answers 503 from then on).
#[derive(Debug, Clone, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn start(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// How many connections are open right now (for metrics and tests).
#[derive(Debug, Clone, Default)]
pub struct OpenConnections(Arc<AtomicUsize>);

impl OpenConnections {
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

/// A connection's stream that notes when it last moved a byte.
struct Watched {
    inner: TcpStream,
    last: Arc<AtomicI64>,
    started: Instant,
}

impl Watched {
    fn touch(&self) {
        self.last.store(self.started.elapsed().as_millis() as i64, Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        r
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Serves `router` on `listener` until `stop` completes, then drains.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: Limits,
    open: OpenConnections,
    draining_flag: Draining,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (draining_tx, draining) = watch::channel(false);
    // Once `stop` completes: readiness goes false at once, the port closes `drain_delay` later.
    let stop = async move {
        stop.await;
        draining_flag.start();
        tracing::info!(delay_ms = limits.drain_delay.as_millis() as u64, "draining: /readyz now answers 503");
        tokio::time::sleep(limits.drain_delay).await;
    };
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p.expect("the semaphore is never closed"),
            _ = &mut stop => break,
        };
        let (stream, remote) = tokio::select! {
            a = listener.accept() => match a {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut draining = draining.clone();
        let open = open.clone();
        tokio::spawn(async move {
            let _permit = permit;
            open.0.fetch_add(1, Ordering::Relaxed);
            let last = Arc::new(AtomicI64::new(0));
            let started = Instant::now();
            let in_flight = Arc::new(AtomicUsize::new(0));
            let io = TokioIo::new(Watched { inner: stream, last: last.clone(), started });
            let counting = in_flight.clone();
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(remote));
                let router = router.clone();
                let counting = counting.clone();
                counting.fetch_add(1, Ordering::Relaxed);
                async move {
                    let res = router.oneshot(req.map(Body::new)).await;
                    counting.fetch_sub(1, Ordering::Relaxed);
                    res
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(true)
                .serve_connection(io, service)
                .with_upgrades();
            tokio::pin!(conn);
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            let mut closing = false;
            loop {
                tokio::select! {
                    r = conn.as_mut() => {
                        if let Err(e) = r {
                            tracing::debug!(error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    _ = tick.tick(), if !closing => {
                        let idle_ms = started.elapsed().as_millis() as i64 - last.load(Ordering::Relaxed);
                        if in_flight.load(Ordering::Relaxed) == 0 && idle_ms > limits.idle_timeout.as_millis() as i64 {
                            conn.as_mut().graceful_shutdown();
                            closing = true;
                        }
                    }
                    _ = draining.changed(), if !closing => {
                        conn.as_mut().graceful_shutdown();
                        closing = true;
                    }
                }
            }
            open.0.fetch_sub(1, Ordering::Relaxed);
        });
    }
    drop(listener);
    let _ = draining_tx.send(true);
    // Every connection holds a permit until it ends: all permits back means all connections done.
    let all = limits.max_connections.max(1) as u32;
    match tokio::time::timeout(limits.drain, permits.acquire_many(all)).await {
        Ok(_) => tracing::info!("every connection finished"),
        Err(_) => tracing::warn!(open = open.get(), "stopping with connections still open after the drain period"),
    }
    Ok(())
}
