//! The wall-time measure of issue 18's parse goal: `Envelope::parse`
//! against mail-parser's headers-only `MessageParser::parse_headers` on the
//! 4 KB message of `parse_4k` (`tests/data/normal.eml`, 4.7 KiB, the same
//! bytes as `benches/parse.rs` and the gate), in alternating rounds.
//!
//! On a shared VM a criterion run of one parser after the other can see
//! the machine slow down between the two (the same binary's `parse_headers`
//! measured 12.2 and 19.4 µs, BENCHMARKS.md). Here the two parsers
//! alternate: 60 rounds of 20,000 calls each, and the fastest round of each
//! parser is compared (interference only adds time), with the medians of
//! the rounds beside. Run by hand on an idle machine:
//!
//! ```text
//! cargo bench --bench parse_rounds
//! ```

use std::hint::black_box;
use std::time::Instant;

use demail::envelope::Envelope;
use mail_parser::MessageParser;

const MESSAGE: &[u8] = include_bytes!("../tests/data/normal.eml");
const ROUNDS: usize = 60;
const CALLS: u32 = 20_000;

/// Nanoseconds per call of `parse` over one round.
fn round(parse: impl Fn(&[u8]) -> usize) -> f64 {
    let start = Instant::now();
    for _ in 0..CALLS {
        black_box(parse(black_box(MESSAGE)));
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(CALLS)
}

/// The fastest and the median round.
fn fastest_and_median(mut rounds: Vec<f64>) -> (f64, f64) {
    rounds.sort_by(f64::total_cmp);
    (rounds[0], rounds[rounds.len() / 2])
}

fn main() {
    assert!(
        MESSAGE.len() >= 4 * 1024,
        "the parse_4k message is normal.eml unpadded"
    );
    let ours = |raw: &[u8]| Envelope::parse(raw).map_or(0, |e| e.fields().len());
    let theirs = |raw: &[u8]| {
        MessageParser::default()
            .parse_headers(raw)
            .map_or(0, |m| m.headers().len())
    };
    assert!(ours(MESSAGE) > 0 && ours(MESSAGE) == theirs(MESSAGE));
    let (mut our_rounds, mut their_rounds) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        our_rounds.push(round(ours));
        their_rounds.push(round(theirs));
    }
    let (our_min, our_median) = fastest_and_median(our_rounds);
    let (their_min, their_median) = fastest_and_median(their_rounds);
    println!(
        "{ROUNDS} alternating rounds of {CALLS} calls, {} bytes",
        MESSAGE.len()
    );
    println!("Envelope::parse              fastest {our_min:7.0} ns  median {our_median:7.0} ns");
    println!("MessageParser::parse_headers fastest {their_min:7.0} ns  median {their_median:7.0} ns");
    println!(
        "parse_headers / Envelope::parse: fastest {:.2}x  median {:.2}x",
        their_min / our_min,
        their_median / our_median
    );
}
