//! The calls every integration run in flight shares: at most [`Pacer::BUDGET`] in any minute of
//! the pacer's clock, stack listings and event reads together, and one listing of the account's
//! stacks (DescribeStacks, every page) at most every [`Pacer::LISTING_EVERY`] that tells each run
//! whether its stack changed, so that a run reads its stack's events only then. However many
//! stacks are in flight, a change is seen within one listing. The beta view's column of
//! long-lived copies reads the same listing.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::cloud::clock::Clock;
use crate::cloud::port::Stacks;

/// Spaces the calls of every run that shares it, on a [`Clock`]'s time (the demo's runs faster).
#[derive(Debug)]
pub struct Pacer {
    clock: Clock,
    /// The calls that may be made at once, and when they were last counted (a token bucket).
    tokens: tokio::sync::Mutex<(f64, Instant)>,
    /// Calls made so far: listing pages and event reads of every run that shares the pacer.
    turns: AtomicU64,
    /// The latest listing, which every waiting run reads.
    listing: tokio::sync::watch::Sender<std::sync::Arc<Listing>>,
    /// Held by the run that makes the next listing.
    lister: tokio::sync::Mutex<()>,
}

/// The latest listing of the account's integration stacks.
#[derive(Debug, Default)]
struct Listing {
    /// How many listings were made (0: none yet).
    generation: u64,
    at: Option<Instant>,
    /// Each live stack's status, by id and by name; a stack not listed is gone.
    statuses: HashMap<String, String>,
    /// The last listing failed: every run reads its own events until one succeeds.
    failed: bool,
}

/// What a listing said of a stack that changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The listing's generation: the next wait takes only newer ones.
    pub generation: u64,
    /// The stack's status now; `None` when it is gone (deleted).
    pub status: Option<String>,
    /// The listing failed: the stack's own events say what happened.
    pub failed: bool,
}

/// The stacks a listing reads: every integration run's ([`crate::ops::integ::keep_stack_of`],
/// [`crate::ops::integ::fresh_stack_prefix`], a hook's).
const LISTED_PREFIX: &str = "integ-";

impl Pacer {
    /// Calls allowed in any minute, listings and event reads together.
    pub const BUDGET: usize = 60;
    /// The window of the budget.
    pub const WINDOW: Duration = Duration::from_secs(60);
    /// Calls that may be made at once, after a quiet spell; the rest of the budget refills
    /// evenly, so that no minute holds more than [`Pacer::BUDGET`].
    pub const BURST: usize = 3;
    /// How often the stacks in flight are listed: under 40 listings a minute, which leaves a
    /// third of the budget to read the events of the stacks that changed.
    pub const LISTING_EVERY: Duration = Duration::from_millis(1_400);

    /// A pacer on `clock`'s time.
    pub fn on(clock: Clock) -> Pacer {
        Pacer {
            clock,
            tokens: tokio::sync::Mutex::new((Self::BURST as f64, Instant::now())),
            turns: AtomicU64::new(0),
            listing: tokio::sync::watch::Sender::new(std::sync::Arc::new(Listing::default())),
            lister: tokio::sync::Mutex::new(()),
        }
    }

    /// Waits `delay` of the pacer's clock (a run's backoff after a failed read).
    pub(crate) async fn pause(&self, delay: Duration) {
        self.clock.sleep(delay).await;
    }

    /// How long `delay` of the pacer's clock lasts on tokio's clock.
    pub(crate) fn clock_on_tokio(&self, delay: Duration) -> Duration {
        self.clock.on_tokio(delay)
    }

    /// The calls it has paced so far.
    pub fn turns(&self) -> u64 {
        self.turns.load(Ordering::Relaxed)
    }

    /// Now on the pacer's clock, in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Milliseconds of the pacer's clock since `began_ms`.
    pub(crate) fn since(&self, began_ms: i64) -> u64 {
        (self.now_ms() - began_ms).max(0) as u64
    }

    /// Waits until one more call fits in the budget, and counts it: a token bucket of
    /// [`Pacer::BURST`] calls refilled at `BUDGET - BURST` a minute, so that any minute holds at
    /// most the burst and what refilled, [`Pacer::BUDGET`].
    pub async fn turn(&self) {
        self.turn_leaving(0.0).await;
    }

    /// As [`Pacer::turn`], once `reserve` calls would still be left: a listing leaves one for
    /// the event read it may call for, so that reads never queue behind listings.
    async fn turn_leaving(&self, reserve: f64) {
        loop {
            let mut tokens = self.tokens.lock().await;
            let now = Instant::now();
            let left = self.refilled(*tokens, now);
            if left >= 1.0 + reserve {
                *tokens = (left - 1.0, now);
                break;
            }
            *tokens = (left, now);
            // Whole milliseconds (the timer's grain), at least one, so that time moves.
            let wait = Duration::from_millis(
                ((1.0 + reserve - left) / self.refill_per_second() * 1000.0)
                    .ceil()
                    .max(1.0) as u64,
            );
            if reserve > 0.0 {
                // A listing waits aside: the reads behind it go first.
                drop(tokens);
                tokio::time::sleep(wait).await;
            } else {
                // Reads wait in turn, holding their place.
                tokio::time::sleep(wait).await;
                drop(tokens);
            }
        }
        self.turns.fetch_add(1, Ordering::Relaxed);
    }

    /// Calls refilled a second of tokio's time: `BUDGET - BURST` a minute of the clock's.
    fn refill_per_second(&self) -> f64 {
        (Self::BUDGET - Self::BURST) as f64 / self.clock.on_tokio(Self::WINDOW).as_secs_f64()
    }

    /// The calls left at `now`, from `(left, when counted)`.
    fn refilled(&self, (left, counted): (f64, Instant), now: Instant) -> f64 {
        (left + (now - counted).as_secs_f64() * self.refill_per_second()).min(Self::BURST as f64)
    }

    /// Takes a call only when the budget has one to spare beyond the next (a heartbeat's read);
    /// whether it did.
    pub async fn spare_turn(&self) -> bool {
        let mut tokens = self.tokens.lock().await;
        let now = Instant::now();
        let left = self.refilled(*tokens, now);
        let spare = left >= 2.0;
        *tokens = (if spare { left - 1.0 } else { left }, now);
        drop(tokens);
        if spare {
            self.turns.fetch_add(1, Ordering::Relaxed);
        }
        spare
    }

    /// The generation of the latest listing: a wait that begins now takes only newer ones.
    pub fn listed_generation(&self) -> u64 {
        self.listing.borrow().generation
    }

    /// Waits for a listing newer than generation `seen` in which `stack` (an id or a name) is
    /// no longer `known` (its status as last known; `None`: unknown), or that failed; returns
    /// what that listing said. One listing serves every run waiting at the time.
    pub async fn until_changed(
        &self,
        stacks: &dyn Stacks,
        stack: &str,
        known: Option<&str>,
        seen: u64,
    ) -> Change {
        let mut seen = seen;
        let mut latest = self.listing.subscribe();
        loop {
            {
                let listing = latest.borrow_and_update();
                if listing.generation > seen {
                    let status = listing.statuses.get(stack).cloned();
                    if listing.failed || status.as_deref() != known {
                        return Change {
                            generation: listing.generation,
                            status,
                            failed: listing.failed,
                        };
                    }
                    seen = listing.generation;
                }
            }
            // The next listing: another run may be making it; else this one makes it when due.
            tokio::select! {
                _ = latest.changed() => {}
                _held = self.lister.lock() => {
                    if latest.has_changed().unwrap_or(false) {
                        continue;
                    }
                    let due = self.listing.borrow().at;
                    if let Some(at) = due {
                        tokio::time::sleep_until(at + self.clock.on_tokio(Self::LISTING_EVERY))
                            .await;
                    }
                    self.list(stacks).await;
                }
            }
        }
    }

    /// The statuses of the listed stacks whose names start with `prefix` (the beta view's
    /// long-lived copies): the latest listing while it is at most [`Pacer::LISTING_EVERY`] old,
    /// else a new one, paced like the runs' and published to them. `None`: the listing failed.
    pub async fn statuses(
        &self,
        stacks: &dyn Stacks,
        prefix: &str,
    ) -> Option<BTreeMap<String, String>> {
        let fresh = |listing: &Listing| {
            !listing.failed
                && listing
                    .at
                    .is_some_and(|at| at.elapsed() <= self.clock.on_tokio(Self::LISTING_EVERY))
        };
        if !fresh(&self.listing.borrow()) {
            let _held = self.lister.lock().await;
            if !fresh(&self.listing.borrow()) {
                self.list(stacks).await;
            }
        }
        let listing = self.listing.borrow();
        (!listing.failed).then(|| {
            listing
                .statuses
                .iter()
                .filter(|(name, _)| name.starts_with(prefix))
                .map(|(name, status)| (name.clone(), status.clone()))
                .collect()
        })
    }

    /// One listing, each of its pages a call of the budget, published to every waiting run.
    async fn list(&self, stacks: &dyn Stacks) {
        self.turn_leaving(1.0).await;
        let mut listing = Listing {
            generation: self.listing.borrow().generation + 1,
            ..Listing::default()
        };
        match stacks.list_stack_pages(LISTED_PREFIX).await {
            Ok((found, pages)) => {
                for _ in 1..pages {
                    self.turn().await;
                }
                for stack in found {
                    listing
                        .statuses
                        .insert(stack.name.clone(), stack.status.clone());
                    listing.statuses.insert(stack.stack_id, stack.status);
                }
            }
            Err(_) => listing.failed = true,
        }
        listing.at = Some(Instant::now());
        self.listing.send_replace(std::sync::Arc::new(listing));
    }
}

impl Default for Pacer {
    /// Real time.
    fn default() -> Pacer {
        Pacer::on(Clock::real())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::fake::Fake;
    use crate::cloud::{Cloud, StackSummary};
    use std::sync::Arc;

    /// A beta account whose stack listing answers `statuses` (name, status) as they are then.
    fn listing(statuses: Arc<std::sync::Mutex<Vec<(String, String)>>>) -> (Fake, Arc<dyn Cloud>) {
        let fake = Fake::new();
        fake.answer("list_stacks", move |_| {
            Ok(statuses
                .lock()
                .unwrap()
                .iter()
                .map(|(name, status)| StackSummary {
                    stack_id: format!("id-{name}"),
                    name: name.clone(),
                    status: status.clone(),
                    tags: Vec::new(),
                })
                .collect::<Vec<_>>())
        });
        let cloud = fake.cloud(crate::cloud::context::StageContext::new(
            &crate::config::WorkspaceConfig::default(),
            crate::config::Stage::Beta,
            &Default::default(),
        ));
        (fake, cloud)
    }

    /// However many runs wait at once, their calls stay within 60 in any minute.
    #[tokio::test(start_paused = true)]
    async fn a_shared_pacer_keeps_every_run_within_one_budget() {
        let pacer = Arc::new(Pacer::default());
        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let pacer = pacer.clone();
            tasks.spawn(async move {
                let mut turns = Vec::new();
                for _ in 0..15 {
                    pacer.turn().await;
                    turns.push(Instant::now());
                }
                turns
            });
        }
        let mut all: Vec<Instant> = Vec::new();
        while let Some(turns) = tasks.join_next().await {
            all.extend(turns.unwrap());
        }
        all.sort();
        assert_eq!(all.len(), 120);
        for (index, at) in all.iter().enumerate() {
            let in_window = all[index..]
                .iter()
                .take_while(|later| **later - *at < Pacer::WINDOW)
                .count();
            assert!(
                in_window <= Pacer::BUDGET,
                "{in_window} calls within a minute"
            );
        }
        let first_minute = all.iter().filter(|at| **at - start < Pacer::WINDOW).count();
        assert!(
            (59..=60).contains(&first_minute),
            "{first_minute} calls in the first minute, not 8 x 15"
        );
        // On the demo's clock at speed 20, the same budget is twenty times as fast.
        let fast = Pacer::on(Clock::starting_at(0, 20.0));
        let before = Instant::now();
        for _ in 0..60 {
            fast.turn().await;
        }
        let elapsed = before.elapsed();
        assert!(
            elapsed >= Duration::from_millis(2_900) && elapsed <= Duration::from_millis(3_100),
            "{elapsed:?}"
        );
    }

    /// A stack whose status changes is seen within one listing, whatever else is in flight:
    /// one listing call serves every waiting run, and a run whose stack did not change reads no
    /// events.
    #[tokio::test(start_paused = true)]
    async fn a_changed_stack_is_seen_within_one_listing_and_one_listing_serves_every_run() {
        let statuses: Arc<std::sync::Mutex<Vec<(String, String)>>> =
            Arc::new(std::sync::Mutex::new(
                (0..8)
                    .map(|n| (format!("integ-fresh-{n}"), "CREATE_IN_PROGRESS".to_string()))
                    .collect(),
            ));
        let (fake, cloud) = listing(statuses.clone());
        let pacer = Arc::new(Pacer::default());
        let began = Instant::now();
        let mut waiting = tokio::task::JoinSet::new();
        for n in 0..8 {
            let (pacer, cloud) = (pacer.clone(), cloud.clone());
            waiting.spawn(async move {
                let stack = format!("id-integ-fresh-{n}");
                let change = pacer
                    .until_changed(cloud.as_ref(), &stack, Some("CREATE_IN_PROGRESS"), 0)
                    .await;
                assert_eq!(change.status.as_deref(), Some("CREATE_COMPLETE"));
                (n, Instant::now())
            });
        }
        // Stack 3 completes 10 s in; the others stay in progress.
        tokio::time::sleep(Duration::from_secs(10)).await;
        statuses.lock().unwrap()[3].1 = "CREATE_COMPLETE".into();
        let changed = tokio::time::timeout(Duration::from_secs(30), waiting.join_next())
            .await
            .expect("a change is seen")
            .unwrap()
            .unwrap();
        assert_eq!(changed.0, 3);
        let seen_after = changed.1 - began - Duration::from_secs(10);
        assert!(
            seen_after <= Pacer::LISTING_EVERY,
            "seen {seen_after:?} after it changed"
        );
        let listings = fake
            .calls()
            .iter()
            .filter(|call| call.ends_with("list_stacks"))
            .count();
        let ticks = (changed.1 - began).as_millis() / Pacer::LISTING_EVERY.as_millis() + 1;
        assert!(
            listings as u128 <= ticks,
            "{listings} listings in {ticks} ticks: one listing serves all eight"
        );
        assert_eq!(pacer.turns(), listings as u64, "no event read was spent");
        waiting.abort_all();
    }

    /// The beta view's column of long-lived copies reads the runs' listing while it is fresh
    /// (no call of its own), and a listing it has to make is one of the budget's calls and
    /// serves the runs that wait.
    #[tokio::test(start_paused = true)]
    async fn the_beta_view_reads_the_listing_the_runs_share() {
        let (fake, cloud) = listing(Arc::new(std::sync::Mutex::new(
            ["integ-keep-s3-thing", "integ-fresh-other-1"]
                .map(|name| (name.to_string(), "UPDATE_IN_PROGRESS".to_string()))
                .to_vec(),
        )));
        let listings = || {
            fake.calls()
                .iter()
                .filter(|call| call.ends_with("list_stacks"))
                .count()
        };
        let pacer = Arc::new(Pacer::default());
        // A run waits for its stack: its listing is made now.
        let run = {
            let (pacer, cloud) = (pacer.clone(), cloud.clone());
            tokio::spawn(async move {
                pacer
                    .until_changed(
                        cloud.as_ref(),
                        "id-integ-fresh-other-1",
                        Some("UPDATE_IN_PROGRESS"),
                        0,
                    )
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(listings(), 1);
        let keep = pacer.statuses(cloud.as_ref(), "integ-keep-").await;
        assert_eq!(
            keep.unwrap().into_iter().collect::<Vec<_>>(),
            [(
                "integ-keep-s3-thing".to_string(),
                "UPDATE_IN_PROGRESS".to_string()
            )],
            "only the long-lived copies, by name"
        );
        assert_eq!(listings(), 1, "the fresh listing served the view");
        // With no run in flight the listing goes stale: the view makes one, in the budget, and
        // a run that begins then takes it without a call of its own.
        run.abort();
        tokio::time::sleep(Pacer::LISTING_EVERY * 3).await;
        let before = listings();
        assert!(
            pacer
                .statuses(cloud.as_ref(), "integ-keep-")
                .await
                .is_some()
        );
        assert_eq!(listings(), before + 1, "a stale listing is made again");
        let generation = pacer.listed_generation();
        let change = pacer
            .until_changed(
                cloud.as_ref(),
                "id-integ-fresh-other-1",
                None,
                generation - 1,
            )
            .await;
        assert_eq!(change.generation, generation);
        assert_eq!(listings(), before + 1, "the run took the view's listing");
        assert_eq!(
            pacer.turns(),
            listings() as u64,
            "every listing is a call of the budget"
        );
    }
}
