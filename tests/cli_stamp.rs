//! `demail verify --stamp --authserv-id ID -o OUT` (issue 15, D140, D151):
//! the gateway writes the message with its `Authentication-Results` field
//! (RFC 8601, method `x-demail`) on top; the JSON report still goes to
//! standard output and the exit codes are those of `verify` (0 pass, 1 fail
//! or not trusted, 2 unreadable input or usage).
#![cfg(feature = "cli")]

#[path = "common/cli.rs"]
mod cli;

use std::path::Path;

use cli::{demail, json, temp_dir};

const SIGNED: &str = "tests/data/signed/normal-rsa3072.eml";
const ANCHOR: &str = "tests/data/keys/ca.cert.pem";
const INTERMEDIATE: &str = "tests/data/keys/intermediate.cert.pem";
const AT: &str = "2026-11-24T00:00:00Z";

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `demail verify FILE` with the test trust and time, plus `extra`.
fn verify(file: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "verify",
        file,
        "--trust-anchor",
        ANCHOR,
        "--intermediate",
        INTERMEDIATE,
        "--at",
        AT,
    ];
    args.extend_from_slice(extra);
    demail(&args, None)
}

/// The values of the message's `Authentication-Results` fields, in order.
fn stamps(message: &[u8]) -> Vec<String> {
    let envelope = demail::envelope::Envelope::parse(message).unwrap();
    envelope
        .fields()
        .iter()
        .filter(|f| f.name.eq_ignore_ascii_case("Authentication-Results"))
        .map(|f| String::from_utf8_lossy(f.value).into_owned())
        .collect()
}

// RFC 8601 §2.2, TR 01201-3.4 §3.1.21 (the field is not signed): the
// stamped file has the field on top, every byte of the message below it,
// and verifies again with `demail verify`; the report is on stdout.
#[test]
fn stamp_writes_authentication_results_on_top_and_the_stamped_file_verifies_again() {
    let dir = temp_dir("cli_stamp-pass");
    let out = dir.join("stamped.eml");
    let output = verify(
        SIGNED,
        &["--stamp", "--authserv-id", "gw.example.de", "-o", s(&out)],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["stamp"]["authserv_id"], "gw.example.de");
    assert_eq!(report["stamp"]["output"], s(&out));
    let stamped = std::fs::read(&out).unwrap();
    let text = String::from_utf8_lossy(&stamped);
    assert!(
        text.starts_with("Authentication-Results: gw.example.de;\r\n x-demail=pass policy.mode=signed"),
        "{text}"
    );
    assert!(
        text.contains("policy.e2e-signed=none policy.e2e-encrypted=none"),
        "the protection summary: {text}"
    );
    assert!(stamped.ends_with(&std::fs::read(SIGNED).unwrap()));
    let again = verify(s(&out), &[]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(json(&again)["verdict"], "pass");
}

// RFC 8601 §2.1: a second gateway's stamp stacks on top of the first; a
// restamp by the same gateway replaces its own (§5, D140).
#[test]
fn stamp_by_another_authserv_id_stacks_and_the_same_id_replaces() {
    let dir = temp_dir("cli_stamp-stack");
    let (first, second, third) = (dir.join("1.eml"), dir.join("2.eml"), dir.join("3.eml"));
    let stamp = |input: &Path, id: &str, out: &Path| {
        let output = verify(s(input), &["--stamp", "--authserv-id", id, "-o", s(out)]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    stamp(Path::new(SIGNED), "gw1.example.de", &first);
    stamp(&first, "gw2.example.org", &second);
    let found = stamps(&std::fs::read(&second).unwrap());
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with(" gw2.example.org;"), "{found:?}");
    assert!(found[1].starts_with(" gw1.example.de;"), "{found:?}");
    stamp(&second, "gw1.example.de", &third);
    let found = stamps(&std::fs::read(&third).unwrap());
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with(" gw1.example.de;"), "{found:?}");
    assert!(found[1].starts_with(" gw2.example.org;"), "{found:?}");
}

// Fail closed, PVD FU Schritt 48: a changed body is stamped `fail` with its
// stable code and FC case, and the command exits 1 as verify does.
#[test]
fn stamp_of_a_failing_message_says_fail_and_exits_1() {
    let dir = temp_dir("cli_stamp-fail");
    let mut raw = std::fs::read(SIGNED).unwrap();
    let last = raw.len() - 3;
    raw[last] ^= 0x01;
    let input = dir.join("changed.eml");
    std::fs::write(&input, &raw).unwrap();
    let out = dir.join("stamped.eml");
    let output = verify(
        s(&input),
        &["--stamp", "--authserv-id", "gw.example.de", "-o", s(&out)],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json(&output)["verdict"], "fail");
    let text = String::from_utf8(std::fs::read(&out).unwrap()).unwrap();
    assert!(
        text.contains(" x-demail=fail reason=\"body_hash_mismatch\"\r\n policy.fc=FC-01"),
        "{text}"
    );
}

// D151: a gateway must name itself: --stamp without --authserv-id (or
// without -o) is a usage error, exit 2, and nothing is written; an
// authserv-id that is not a domain name (RFC 8601 §2.5) exits 2 too.
#[test]
fn stamp_without_authserv_id_or_output_or_with_a_bad_id_exits_2() {
    let dir = temp_dir("cli_stamp-usage");
    let out = dir.join("stamped.eml");
    let output = verify(SIGNED, &["--stamp", "-o", s(&out), "--json"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(json(&output)["error"]["code"], "usage");
    assert!(!out.exists());
    let output = verify(SIGNED, &["--stamp", "--authserv-id", "gw.example.de"]);
    assert_eq!(output.status.code(), Some(2));
    let output = verify(SIGNED, &["--authserv-id", "gw.example.de", "-o", s(&out)]);
    assert_eq!(output.status.code(), Some(2), "--authserv-id needs --stamp");
    let output = verify(
        SIGNED,
        &["--stamp", "--authserv-id", "gw example", "-o", s(&out), "--json"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(json(&output)["error"]["code"], "invalid_input");
    assert!(!out.exists());
}
