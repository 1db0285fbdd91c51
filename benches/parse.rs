//! Parsing throughput of [`demail::envelope::Envelope::parse`] against a full
//! MIME parse with mail-parser and against mail-parser's headers-only
//! `MessageParser::parse_headers` (the fair comparison: neither reads the
//! body), on a small (~4 KB) De-Mail message, a typical
//! one (~40 KB, with a base64 PDF attachment) and a large one (~2 MB, same
//! shape).
//!
//! Both inputs are generated deterministically from `tests/data/normal.eml`;
//! before any timing they are checked to parse and validate without a single
//! violation, and the allocations of one parse of each are counted with the
//! counting global allocator below.
//!
//! ```text
//! cargo bench --bench parse -- --warm-up-time 1 --measurement-time 3
//! cargo bench --bench parse -- parse_4k/envelope_parse/4k    # one benchmark
//! ```
//!
//! Benchmark ids (`group/function/size`):
//! - `parse_4k/{envelope_parse,envelope_parse_validate,mail_parser_headers,mail_parser_full}/4k`,
//!   `parse_40k/{envelope_parse,mail_parser_full}/40k` and
//!   `parse_2m/{envelope_parse,mail_parser_full}/2m`, throughput in bytes;
//! - `messages_4k/{envelope_parse,envelope_parse_validate,mail_parser_headers,mail_parser_full}/4k`,
//!   throughput in messages (one element per iteration).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId, Criterion, Throughput};
use demail::envelope::Envelope;
use demail::fields::MessageKind;
use demail::validate::Mode;
use mail_parser::MessageParser;

// ---------------------------------------------------------------------------
// Allocation counting
// ---------------------------------------------------------------------------

/// The system allocator, counting allocations while [`COUNTING`] is set.
///
/// Outside a measurement the only cost is one relaxed load per call, the same
/// for every benchmark, so the timings stay comparable.
struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static REALLOCS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counters do not
// affect the memory handed out.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        }
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            REALLOCS.fetch_add(1, Ordering::Relaxed);
            BYTES.fetch_add(new_size.saturating_sub(layout.size()), Ordering::Relaxed);
        }
        // SAFETY: forwarded with the caller's pointer, layout and size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Allocations made by one call of a routine (its result dropped inside).
#[derive(Debug, Clone, Copy)]
struct AllocCount {
    allocs: usize,
    reallocs: usize,
    bytes: usize,
}

fn count_allocs<T>(routine: impl FnOnce() -> T) -> AllocCount {
    ALLOCS.store(0, Ordering::Relaxed);
    REALLOCS.store(0, Ordering::Relaxed);
    BYTES.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::SeqCst);
    drop(black_box(routine()));
    COUNTING.store(false, Ordering::SeqCst);
    AllocCount {
        allocs: ALLOCS.load(Ordering::Relaxed),
        reallocs: REALLOCS.load(Ordering::Relaxed),
        bytes: BYTES.load(Ordering::Relaxed),
    }
}

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

/// A realistic normal De-Mail message (CRLF line ends, about 4.7 KiB).
const NORMAL: &[u8] = include_bytes!("../tests/data/normal.eml");

/// Size the small message is padded up to if `normal.eml` is ever shorter.
const SMALL_TARGET: usize = 4 * 1024;
/// Size of the typical message (text plus one attachment).
const TYPICAL_TARGET: usize = 40 * 1024;
/// Size of the large message.
const LARGE_TARGET: usize = 2 * 1024 * 1024;

const BOUNDARY: &str = "=_demail_bench_5c0ffee1d2e3";

/// Typical transport headers a receiving PVD adds above the De-Mail fields.
/// Used only to pad the small message up to [`SMALL_TARGET`].
const TRANSPORT_HEADERS: &[&str] = &[
    "Return-Path: <poststelle@stadt-musterstadt.de-mail.de>\r\n",
    "Received: from localhost (localhost [127.0.0.1])\r\n\tby mbox.dmda-b.de-mail.de (De-Mail PVD) with LMTP id 9pQx2C4b\r\n\tfor <erika.mustermann@dmda-b.de-mail.de>; Tue, 12 Mar 2024 09:15:07 +0100\r\n",
    "Received: from av2.dmda-b.de-mail.de (av2.dmda-b.de-mail.de [10.20.1.12])\r\n\tby mbox.dmda-b.de-mail.de (De-Mail PVD) with ESMTPS id 4Tv9QZ5xPnz1Kd7\r\n\tfor <erika.mustermann@dmda-b.de-mail.de>; Tue, 12 Mar 2024 09:15:06 +0100\r\n",
    "Received: from mx.dmda-b.de-mail.de (mx.dmda-b.de-mail.de [10.20.1.5])\r\n\tby av2.dmda-b.de-mail.de (De-Mail PVD) with ESMTPS id 4Tv9QZ3rTbz9sWq\r\n\tfor <erika.mustermann@dmda-b.de-mail.de>; Tue, 12 Mar 2024 09:15:05 +0100\r\n",
    "X-Virus-Scanned: De-Mail PVD malware scan at dmda-b.de-mail.de\r\n",
    "X-Spam-Flag: NO\r\n",
    "X-Spam-Score: -2.101\r\n",
    "X-Spam-Level: \r\n",
    "X-Spam-Status: No, score=-2.101 tagged_above=-999 required=6.2\r\n\ttests=[BAYES_00=-1.9, DKIM_SIGNED=0.1, DKIM_VALID=-0.1,\r\n\tDKIM_VALID_AU=-0.1, SPF_HELO_NONE=0.001, SPF_PASS=-0.001]\r\n\tautolearn=ham autolearn_force=no\r\n",
    "Authentication-Results: mx.dmda-b.de-mail.de;\r\n\tdkim=pass (2048-bit key) header.d=dmda-a.de-mail.de header.i=@dmda-a.de-mail.de;\r\n\tspf=pass smtp.mailfrom=stadt-musterstadt.de-mail.de\r\n",
    "ARC-Seal: i=1; a=rsa-sha256; t=1710231304; cv=none; d=dmda-b.de-mail.de; s=arc-2024;\r\n\tb=kQ3vT0f1Zq8cR9mWJb7Yx2LhUe4oNdS6aGpV5tKiHwBz1MjXyCr0DsFqlEnA8u3T\r\n\t9bY2WcRx6ZpLk4QmJ7vHn0sUfGd5eTiA1oKyXwMz3CbNqR8lVjPh2EtSgD6aYuO\r\n",
    "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=dmda-b.de-mail.de;\r\n\ts=arc-2024; t=1710231304; h=from:to:cc:subject:date:message-id;\r\n\tbh=7cAW9vp7hirkPjNNJLBGe6A/koSIFvHQYcyoLfKptoU=;\r\n\tb=Vb3QnZ8x1KcT7mRfLq2YwJ5sHd9UeP0aGtXo4NiCvBr6MjSkEy2DlWhFzA8pOu1T\r\n\tq7Xc3NbR9vKs0LmYf5JwTh2GzEa6PdUiOk8BxCy4SnMrQj1WtVpDeHl3AgZoF9Iu\r\n",
    "ARC-Authentication-Results: i=1; mx.dmda-b.de-mail.de;\r\n\tdkim=pass header.d=dmda-a.de-mail.de; spf=pass smtp.mailfrom=stadt-musterstadt.de-mail.de\r\n",
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=dmda-a.de-mail.de;\r\n\ts=pvd2024; t=1710231302; h=from:to:cc:reply-to:subject:date:message-id;\r\n\tbh=7cAW9vp7hirkPjNNJLBGe6A/koSIFvHQYcyoLfKptoU=;\r\n\tb=Ghq2TnW5pXc8LzR1sVb7YmK0aJdF3eUo9NiQt4HkCyE6rMwZ2gBvSxPl1DfTjAu8\r\n\tOs5YnKc0RqWm3LbX7eJz9TvGhP2dFiU4aNyC1kHtMo8SwE6rBxQj0VlZg5DpIfAu\r\n\tWm3KbR8nTq2Yx5JcV0sLe7GhP9dFaU4iNoZ1kCtMy6SwE8rBvQj2XlHg3DpIfAuO=\r\n",
];

/// One more paragraph of quoted-printable body text (used only for padding).
const BODY_PARAGRAPH: &str = "\r\nDie Unterlagen k=C3=B6nnen Sie auch elektronisch =C3=BCber das B=C3=BCrger=\r\nportal einsehen. F=C3=BCr R=C3=BCckfragen steht Ihnen das Stra=C3=9Fenbau=\r\namt montags bis freitags von 8 bis 12 Uhr zur Verf=C3=BCgung.\r\n";

/// Splits a message after the empty line that ends its header section.
fn split_message(raw: &[u8]) -> (&[u8], &[u8]) {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("normal.eml has a header section ending in CRLF CRLF")
        + 2;
    (&raw[..end], &raw[end + 2..])
}

/// The small message: `normal.eml`, padded with transport headers above the
/// De-Mail fields and longer body text only if it is shorter than `target`.
fn small_message(target: usize) -> Vec<u8> {
    if NORMAL.len() >= target {
        return NORMAL.to_vec();
    }
    let (header, body) = split_message(NORMAL);
    let mut out = Vec::with_capacity(target + 1024);
    let mut len = NORMAL.len();
    for transport in TRANSPORT_HEADERS {
        if len >= target {
            break;
        }
        out.extend_from_slice(transport.as_bytes());
        len += transport.len();
    }
    out.extend_from_slice(header);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    while out.len() < target {
        out.extend_from_slice(BODY_PARAGRAPH.as_bytes());
    }
    out
}

/// Deterministic pseudo-random bytes (SplitMix64), standing in for a PDF.
fn pseudo_random_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = seed;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        out.extend_from_slice(&z.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Standard base64 (RFC 4648 §4) with `=` padding, in CRLF-terminated lines of
/// at most 76 characters (RFC 2045 §6.8).
fn base64_lines(data: &[u8], out: &mut Vec<u8>) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for line in data.chunks(57) {
        for chunk in line.chunks(3) {
            let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            let sextet = |shift: u32| ALPHABET[((n >> shift) & 0x3f) as usize];
            out.push(sextet(18));
            out.push(sextet(12));
            out.push(if chunk.len() > 1 { sextet(6) } else { b'=' });
            out.push(if chunk.len() > 2 { sextet(0) } else { b'=' });
        }
        out.extend_from_slice(b"\r\n");
    }
}

/// Length of [`base64_lines`] output for `len` input bytes.
fn base64_lines_len(len: usize) -> usize {
    let full = len / 57;
    let rest = len % 57;
    full * 78 + if rest == 0 { 0 } else { rest.div_ceil(3) * 4 + 2 }
}

/// A message with an attachment: the same header block as the small one, made
/// multipart/mixed, with its text as the first part and a base64 PDF
/// attachment filling the message up to about `target` bytes.
///
/// Returns the message and the attachment's decoded bytes.
fn large_message(small: &[u8], target: usize) -> (Vec<u8>, Vec<u8>) {
    let (header, body) = split_message(small);
    let header = std::str::from_utf8(header).expect("normal.eml's header is ASCII");
    let mut out = Vec::with_capacity(target + 1024);
    let mut replaced = false;
    // Keep every field exactly, except the two that describe the body.
    for line in header.split_inclusive("\r\n") {
        if line.starts_with("Content-Type:") {
            out.extend_from_slice(
                format!("Content-Type: multipart/mixed;\r\n boundary=\"{BOUNDARY}\"\r\n").as_bytes(),
            );
            replaced = true;
        } else if !line.starts_with("Content-Transfer-Encoding:") {
            out.extend_from_slice(line.as_bytes());
        }
    }
    assert!(replaced, "normal.eml has a Content-Type field");
    out.extend_from_slice(b"\r\nThis is a multi-part message in MIME format.\r\n\r\n");
    out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
    out.extend_from_slice(
        b"Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
    );
    out.extend_from_slice(body);
    out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
    out.extend_from_slice(
        b"Content-Type: application/pdf; name=\"Planunterlagen_Lindenweg_Nord.pdf\"\r\n\
          Content-Transfer-Encoding: base64\r\n\
          Content-Disposition: attachment; filename=\"Planunterlagen_Lindenweg_Nord.pdf\"\r\n\r\n",
    );
    let closing = format!("--{BOUNDARY}--\r\n");
    let room = target.saturating_sub(out.len() + closing.len());
    let mut attachment_len = room / 78 * 57;
    while base64_lines_len(attachment_len + 1) <= room {
        attachment_len += 1;
    }
    let mut attachment = pseudo_random_bytes(attachment_len, 0x0de3_a11b_e4c4_2024);
    // A PDF starts with its magic; the rest stays pseudo-random.
    attachment[..9].copy_from_slice(b"%PDF-1.7\n");
    base64_lines(&attachment, &mut out);
    out.extend_from_slice(closing.as_bytes());
    (out, attachment)
}

/// Checks, outside any timing, that a message takes the real path: it parses,
/// is a normal message and validates without a single violation, and
/// mail-parser reads it too.
fn check(label: &str, raw: &[u8], attachment: Option<&[u8]>) {
    let envelope = Envelope::parse(raw).unwrap_or_else(|e| panic!("{label}: does not parse: {e}"));
    assert_eq!(
        envelope.kind(),
        Some(MessageKind::Normal),
        "{label}: not a normal message"
    );
    assert!(
        envelope.field_errors().is_empty(),
        "{label}: {:?}",
        envelope.field_errors()
    );
    assert!(
        envelope.warnings().is_empty(),
        "{label}: {:?}",
        envelope.warnings()
    );
    let report = envelope.validate();
    assert!(
        report.violations().is_empty(),
        "{label}: {:?}",
        report.violations()
    );
    assert!(
        report.accepts(Mode::Strict),
        "{label}: not accepted in strict mode"
    );

    let message = MessageParser::default()
        .parse(raw)
        .unwrap_or_else(|| panic!("{label}: mail-parser cannot read it"));
    match attachment {
        None => assert_eq!(message.attachment_count(), 0, "{label}"),
        Some(bytes) => {
            assert_eq!(message.attachment_count(), 1, "{label}");
            let part = message.attachment(0).expect("one attachment");
            assert!(
                part.contents() == bytes,
                "{label}: base64 attachment does not round-trip"
            );
        }
    }
    assert!(
        message
            .body_text(0)
            .is_some_and(|text| text.contains("Lindenweg")),
        "{label}"
    );

    println!(
        "{label}: {} bytes ({:.1} KiB), header section {} bytes, {} header fields",
        raw.len(),
        raw.len() as f64 / 1024.0,
        envelope.body_offset(),
        envelope.fields().len()
    );
}

fn print_allocs(label: &str, routine: &str, count: AllocCount) {
    println!(
        "{label}: {routine}: {} allocations + {} reallocations, {} bytes requested",
        count.allocs, count.reallocs, count.bytes
    );
}

// ---------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------

type Group<'a> = BenchmarkGroup<'a, WallTime>;

fn bench_envelope_parse(group: &mut Group<'_>, size: &str, raw: &[u8]) {
    group.bench_with_input(BenchmarkId::new("envelope_parse", size), raw, |b, raw| {
        b.iter(|| Envelope::parse(black_box(raw)));
    });
}

fn bench_envelope_parse_validate(group: &mut Group<'_>, size: &str, raw: &[u8]) {
    group.bench_with_input(
        BenchmarkId::new("envelope_parse_validate", size),
        raw,
        |b, raw| {
            b.iter(|| Envelope::parse(black_box(raw)).map(|envelope| envelope.validate()));
        },
    );
}

fn bench_mail_parser_full(group: &mut Group<'_>, size: &str, raw: &[u8]) {
    group.bench_with_input(BenchmarkId::new("mail_parser_full", size), raw, |b, raw| {
        b.iter(|| MessageParser::default().parse(black_box(raw)));
    });
}

fn bench_mail_parser_headers(group: &mut Group<'_>, size: &str, raw: &[u8]) {
    group.bench_with_input(BenchmarkId::new("mail_parser_headers", size), raw, |b, raw| {
        b.iter(|| MessageParser::default().parse_headers(black_box(raw)));
    });
}

fn main() {
    let small = small_message(SMALL_TARGET);
    let (typical, typical_attachment) = large_message(&small, TYPICAL_TARGET);
    let (large, large_attachment) = large_message(&small, LARGE_TARGET);
    check("4k", &small, None);
    check("40k", &typical, Some(&typical_attachment));
    check("2m", &large, Some(&large_attachment));

    for (label, raw) in [("4k", &small[..]), ("40k", &typical[..]), ("2m", &large[..])] {
        print_allocs(label, "Envelope::parse", count_allocs(|| Envelope::parse(raw)));
        print_allocs(
            label,
            "Envelope::parse + validate",
            count_allocs(|| Envelope::parse(raw).map(|envelope| envelope.validate())),
        );
        print_allocs(
            label,
            "mail_parser::MessageParser::parse_headers",
            count_allocs(|| MessageParser::default().parse_headers(raw)),
        );
        print_allocs(
            label,
            "mail_parser::MessageParser::parse",
            count_allocs(|| MessageParser::default().parse(raw)),
        );
    }

    let mut criterion = Criterion::default().configure_from_args();

    let mut group = criterion.benchmark_group("parse_4k");
    group.throughput(Throughput::Bytes(small.len() as u64));
    bench_envelope_parse(&mut group, "4k", &small);
    bench_envelope_parse_validate(&mut group, "4k", &small);
    bench_mail_parser_headers(&mut group, "4k", &small);
    bench_mail_parser_full(&mut group, "4k", &small);
    group.finish();

    for (name, size, raw) in [("parse_40k", "40k", &typical[..]), ("parse_2m", "2m", &large[..])] {
        let mut group = criterion.benchmark_group(name);
        group.throughput(Throughput::Bytes(raw.len() as u64));
        bench_envelope_parse(&mut group, size, raw);
        bench_mail_parser_full(&mut group, size, raw);
        group.finish();
    }

    let mut group = criterion.benchmark_group("messages_4k");
    group.throughput(Throughput::Elements(1));
    bench_envelope_parse(&mut group, "4k", &small);
    bench_envelope_parse_validate(&mut group, "4k", &small);
    bench_mail_parser_headers(&mut group, "4k", &small);
    bench_mail_parser_full(&mut group, "4k", &small);
    group.finish();

    criterion.final_summary();
}
