//! Password hashing: argon2id with OWASP's parameters (m = 19456 KiB, t = 2, p = 1, the argon2
//! crate's default), stored as a PHC string.
//!
//! Hashing takes a core and 19 MiB for tens of milliseconds, so it runs on its own small pool of
//! threads scheduled as `SCHED_IDLE` on Linux: they use idle CPU at full speed, and any request
//! handler that wakes up preempts them at once, so a flood of sign-ins cannot slow the rest of the
//! panel. Callers queue (asynchronously) for one of the pool's threads, but only so many: beyond
//! `max_waiting` the answer is "busy, retry in a moment" at once, so a flood cannot make a legitimate
//! sign-in wait behind hundreds of others. The password-strength estimate runs on the same threads.
//! A few more threads, with a queue of their own, are reserved for sign-ins from browsers that have
//! signed in to the account before ([`Share::Returning`], see `auth::device`): a flood of attempts
//! from new addresses fills the common queue, never theirs.

use argon2::password_hash::{rand_core::OsRng, SaltString};
use argon2::{Argon2, PasswordHash, PasswordHasher as _, PasswordVerifier as _};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The pool is full: the caller should be told to come back shortly.
#[derive(Debug, thiserror::Error)]
#[error("the password-hashing queue is full")]
pub struct Busy;

type Job = Box<dyn FnOnce() + Send>;

/// Which share of the hashing capacity a caller may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Share {
    /// Everyone: sign-ups, sign-ins from new browsers, password checks of security changes.
    Common,
    /// A sign-in from a browser that presented a valid device cookie for the account (`device`):
    /// served by the reserved threads, with a queue of their own, so a flood of attempts from new
    /// browsers cannot make a returning customer wait or be refused.
    Returning,
}

/// Threads and their bounded queue.
#[derive(Clone)]
struct Lane {
    permits: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    jobs: mpsc::Sender<Job>,
}

impl Lane {
    fn new(name: &str, threads: usize, max_waiting: usize) -> Lane {
        let threads = threads.max(1);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                })
                .expect("spawning a hashing thread");
        }
        Lane {
            permits: Arc::new(Semaphore::new(threads)),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting: max_waiting.max(1),
            jobs: tx,
        }
    }

    /// Runs `work` on one of this lane's threads once one is free, or refuses at once when too many wait.
    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
        struct Waiting<'a>(&'a AtomicUsize);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        if self.waiting.fetch_add(1, Ordering::Relaxed) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(Busy.into());
        }
        let waiting = Waiting(&self.waiting);
        let _permit = self.permits.acquire().await?;
        drop(waiting);
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _ = tx.send(work());
            }))
            .map_err(|_| anyhow::anyhow!("the hashing pool has stopped"))?;
        Ok(rx.await?)
    }
}

#[derive(Clone)]
pub struct Hasher {
    common: Lane,
    /// For [`Share::Returning`]; `None` when no threads are reserved (they then share `common`).
    reserved: Option<Lane>,
    /// A real hash of a random password: verified against when the email is unknown, so both answers
    /// take the same time.
    dummy: Arc<str>,
}

impl Hasher {
    /// `threads` hashing threads; at most `max_waiting` callers queue behind them. Nothing reserved.
    pub fn new(threads: usize, max_waiting: usize) -> Hasher {
        Hasher::with_reserve(threads, max_waiting, 0)
    }

    /// As [`Hasher::new`], plus `reserved` threads (with a queue of `max_waiting` of their own) that
    /// only returning browsers' sign-ins use.
    pub fn with_reserve(threads: usize, max_waiting: usize, reserved: usize) -> Hasher {
        let dummy = hash_now(&uuid::Uuid::new_v4().to_string()).expect("hashing a random password");
        Hasher {
            common: Lane::new("argon2", threads, max_waiting),
            reserved: (reserved > 0).then(|| Lane::new("argon2-reserved", reserved, max_waiting)),
            dummy: dummy.into(),
        }
    }

    /// How many callers wait for a thread right now.
    pub fn queue_depth(&self) -> usize {
        self.common.waiting.load(Ordering::Relaxed) + self.reserved.as_ref().map_or(0, |r| r.waiting.load(Ordering::Relaxed))
    }

    fn lane(&self, share: Share) -> &Lane {
        match (share, &self.reserved) {
            (Share::Returning, Some(r)) => r,
            _ => &self.common,
        }
    }

    pub async fn hash(&self, password: &str) -> anyhow::Result<String> {
        let pw = password.to_string();
        self.common.run(move || hash_now(&pw)).await?
    }

    /// True when `password` matches `phc`. `None` verifies against the dummy hash and returns false.
    pub async fn verify(&self, password: &str, phc: Option<&str>) -> anyhow::Result<bool> {
        self.verify_as(Share::Common, password, phc).await
    }

    /// As [`Hasher::verify`], on `share`'s threads.
    pub async fn verify_as(&self, share: Share, password: &str, phc: Option<&str>) -> anyhow::Result<bool> {
        let pw = password.to_string();
        let (phc, real) = match phc {
            Some(h) => (h.to_string(), true),
            None => (self.dummy.to_string(), false),
        };
        Ok(self.lane(share).run(move || verify_now(&pw, &phc)).await? && real)
    }

    /// Runs `estimate` (zxcvbn, whose cost grows with the input) on the pool, never on a request thread.
    pub async fn estimate<T: Send + 'static>(&self, estimate: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
        self.common.run(estimate).await
    }
}

/// `SCHED_IDLE` for the calling thread (Linux schedules threads individually); elsewhere, no change.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: `param` outlives the call; pid 0 is the calling thread; lowering one's own
        // scheduling class needs no privilege.
        let rc = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
        if rc != 0 {
            tracing::warn!("could not lower the password-hashing threads' priority");
        }
    }
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default().hash_password(password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("argon2: {e}"))?.to_string())
}

fn verify_now(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let h = Hasher::new(2, 16);
        let phc = h.hash("correct horse battery staple").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(h.verify("correct horse battery staple", Some(&phc)).await.unwrap());
        assert!(!h.verify("correct horse battery stapl", Some(&phc)).await.unwrap());
        assert!(!h.verify("correct horse battery staple", None).await.unwrap(), "an unknown user never verifies");
    }

    #[tokio::test]
    async fn many_concurrent_hashes_all_complete_on_a_small_pool() {
        let h = Hasher::new(1, 16);
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let h = h.clone();
                tokio::spawn(async move { h.hash(&format!("password number {i} is long")).await.unwrap() })
            })
            .collect();
        for t in tasks {
            assert!(t.await.unwrap().starts_with("$argon2id$"));
        }
    }

    #[tokio::test]
    async fn beyond_the_queue_limit_callers_are_told_to_come_back_at_once() {
        let h = Hasher::new(1, 2);
        let tasks: Vec<_> = (0..12)
            .map(|i| {
                let h = h.clone();
                tokio::spawn(async move { h.hash(&format!("password number {i} is long")).await })
            })
            .collect();
        let mut busy = 0;
        for t in tasks {
            if let Err(e) = t.await.unwrap() {
                assert!(e.is::<Busy>(), "{e}");
                busy += 1;
            }
        }
        assert!(busy >= 8, "{busy} of 12 were refused (one running, two waiting)");
        assert_eq!(h.queue_depth(), 0);
    }

    #[tokio::test]
    async fn a_full_common_queue_leaves_the_reserved_share_free() {
        let h = Hasher::with_reserve(1, 2, 1);
        let phc = h.hash("returning customer password").await.unwrap();
        let flood: Vec<_> = (0..12)
            .map(|i| {
                let h = h.clone();
                tokio::spawn(async move { h.verify(&format!("guess {i}"), None).await })
            })
            .collect();
        tokio::task::yield_now().await;
        let returning = h.verify_as(Share::Returning, "returning customer password", Some(&phc)).await;
        assert!(returning.unwrap(), "verified on the reserved thread while the common queue is full");
        let refused = futures::future::join_all(flood).await.into_iter().filter(|r| matches!(r, Ok(Err(_)))).count();
        assert!(refused >= 8, "the flood itself is still bounded: {refused} refused");
    }
}
