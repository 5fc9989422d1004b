//! The large-log mode: enough generated districts that two school years hold about the
//! requested number of events.
//!
//! The history is the same simulation as the sample's, so the log has the same shape:
//! mostly measures, milestones, ratings and cycle bookkeeping, with adjustments,
//! celebrations and reflections in between. The recorder stops at exactly the requested
//! count; if two school years are not enough (small requests round the district count up,
//! so they never are), the simulation simply goes on into further years.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::district::{self, Names};
use super::history::{date, Sim};

/// About how many events one generated district (four to eight schools, six on average)
/// writes in two school years, measured on a million-event run. Erring low means the
/// requested count is reached shortly before the second school year ends.
pub(super) const EVENTS_PER_DISTRICT: u64 = 2_350;

/// How many districts a log of `events` events needs.
pub(super) fn districts_for(events: u64) -> usize {
    events.div_ceil(EVENTS_PER_DISTRICT).max(1) as usize
}

/// Puts enough generated districts on the agenda for `events` events.
pub(super) fn populate(sim: &mut Sim, seed: u64, events: u64) {
    // People and places come from their own stream of randomness, so the size of the
    // request does not change what the first districts look like.
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x7e11_1500_d157_c7a5);
    let mut names = Names::default();
    let year_two = date(2025, 8, 18);
    for n in 0..districts_for(events) {
        sim.add_district(district::generated(&mut rng, n, &mut names, year_two));
    }
}
