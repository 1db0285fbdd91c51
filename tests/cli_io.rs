//! What every `demail` command shares (src/bin/demail/io.rs, issue 15):
//! a closed standard output ends quietly (D110), inputs have a size limit
//! (D111), failures carry a code with `--json` (D112), certificates may be
//! PEM or DER (D113), `--at` refuses impossible dates (D114), and the help
//! names every command and its exit codes.
#![cfg(feature = "cli")]

#[path = "common/cli.rs"]
mod cli;
#[path = "xmldsig_common/mod.rs"]
mod xmldsig_common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};

use cli::{demail, json};
use xmldsig_common::{temp_dir, tool_available};

/// The exit status of a program whose standard output was closed (D110).
const CLOSED_STDOUT: i32 = 141;

const SIGNED: &str = "tests/data/signed/normal-rsa3072.eml";
const AT: &str = "2026-11-24T00:00:00Z";
const KEY: &str = "tests/data/keys/p256.key.pem";
const CERT: &str = "tests/data/keys/p256.cert.pem";
/// S/MIME encrypts to an encryption certificate (keyAgreement, D120).
const ENC_KEY: &str = "tests/data/keys/p256-enc.key.pem";
const ENC_CERT: &str = "tests/data/keys/p256-enc.cert.pem";

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs the tests of this file one at a time. A child spawned by another
/// test thread holds a copy of every open descriptor between its fork and
/// its exec, the read end of a closed-stdout test's pipe included; a write
/// in that window would succeed, so no other test may spawn meanwhile.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs `demail` with a standard output whose reader has gone before the
/// program starts: every write to it fails with EPIPE.
fn with_closed_stdout(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_demail"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// Runs `demail`, reads the first `read` bytes of its standard output and
/// then closes it (`demail ... | head -c16`).
fn closing_stdout_after(args: &[&str], read: usize) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_demail"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = vec![0u8; read];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    child.wait_with_output().unwrap()
}

fn verify_args<'a>(anchor: &'a str, intermediate: &'a str) -> Vec<&'a str> {
    vec![
        "verify",
        SIGNED,
        "--trust-anchor",
        anchor,
        "--intermediate",
        intermediate,
        "--at",
        AT,
    ]
}

/// Inputs the table below needs that another command makes: a
/// confirmation, an ident confirmation, an S/MIME message, an mbox file.
struct Made {
    dir: PathBuf,
    confirmation: PathBuf,
    ident: PathBuf,
    protected: PathBuf,
    mbox: PathBuf,
}

fn made(name: &str) -> Made {
    let dir = temp_dir(name);
    let made = Made {
        confirmation: dir.join("confirmation.eml"),
        ident: dir.join("ident.eml"),
        protected: dir.join("protected.eml"),
        mbox: dir.join("export.mbox"),
        dir,
    };
    let steps: [Vec<&str>; 4] = [
        vec![
            "confirm",
            "dispatch",
            SIGNED,
            "--provider-key",
            KEY,
            "--provider-cert",
            CERT,
            "--provider-name",
            "DMDA B GmbH",
            "--system-address",
            "Versandbestaetigung@dmda-a.de-mail.de",
            "--at",
            "2024-03-12T09:15:06+01:00",
            "-o",
            s(&made.confirmation),
        ],
        vec![
            "ident",
            "build",
            "--card",
            "tests/data/ident/natural-person.json",
            "--holder",
            "max.mustermann@dmda-a.de-mail.de",
            "--audience",
            "identitaet@bank.de-mail.de",
            "--provider-key",
            KEY,
            "--provider-cert",
            CERT,
            "--provider-address",
            "Ident-Bestaetigung@dmda-a.de-mail.de",
            "--at",
            "2026-11-20T10:05:00+01:00",
            "-o",
            s(&made.ident),
        ],
        vec![
            "protect",
            "tests/data/e2e/draft.eml",
            "--recipient-cert",
            ENC_CERT,
            "-o",
            s(&made.protected),
        ],
        vec!["mbox", "export", "tests/data/normal.eml", "-o", s(&made.mbox)],
    ];
    for args in steps {
        let output = demail(&args, None);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    made
}

// Issue 15, D110: `demail ... | head` must not panic (exit 101); every
// command that writes to standard output ends quietly with 141 when its
// reader has gone, whatever its result would have been.
#[test]
fn closed_stdout_ends_every_command_quietly_with_141() {
    let _serial = serial();
    let m = made("cli_io-closed");
    let split_dir = m.dir.join("split");
    let import_dir = m.dir.join("import");
    let again = m.dir.join("again.mbox");
    let table: Vec<Vec<&str>> = vec![
        vec!["inspect", "tests/data/normal.eml"],
        vec!["inspect", "tests/data/duplicate-to-element.eml"], // exit 1 otherwise
        vec!["sign", "tests/data/normal.eml", "--key", KEY, "--cert", CERT],
        verify_args(
            "tests/data/keys/ca.cert.pem",
            "tests/data/keys/intermediate.cert.pem",
        ),
        vec!["verify", SIGNED], // not trusted: exit 1 otherwise
        vec![
            "confirm",
            "receipt",
            SIGNED,
            "--provider-key",
            KEY,
            "--provider-cert",
            CERT,
            "--provider-name",
            "DMDA B GmbH",
            "--system-address",
            "Eingangsbestaetigung@dmda-b.de-mail.de",
        ],
        vec!["check-confirmation", s(&m.confirmation), "--original", SIGNED],
        vec![
            "notify",
            "unknown-recipient",
            "tests/data/normal.eml",
            "--provider-name",
            "DMDA B GmbH",
            "--system-address",
            "Meldung@dmda-b.de-mail.de",
        ],
        vec![
            "forward",
            "tests/data/signed/normal-minimal-hash-only.eml",
            "--mailbox",
            "max.mustermann@dmda-a.de-mail.de",
            "--to",
            "max.privat@dmda-c.de-mail.de",
        ],
        vec![
            "redirect",
            "tests/data/signed/normal-minimal-hash-only.eml",
            "--mailbox",
            "max.mustermann@dmda-a.de-mail.de",
            "--to",
            "max.privat@dmda-c.de-mail.de",
        ],
        vec![
            "split-bcc",
            "tests/data/e2e/smime-encrypted.eml",
            "-d",
            s(&split_dir),
        ],
        vec!["mbox", "export", "tests/data/normal.eml", "-o", s(&again)],
        vec!["mbox", "list", s(&m.mbox)],
        vec!["mbox", "import", s(&m.mbox), "-d", s(&import_dir)],
        vec![
            "protect",
            "tests/data/e2e/draft.eml",
            "--recipient-cert",
            ENC_CERT,
        ],
        vec!["open", s(&m.protected), "--key", ENC_KEY, "--cert", ENC_CERT],
        vec![
            "ident",
            "build",
            "--card",
            "tests/data/ident/natural-person.json",
            "--holder",
            "max.mustermann@dmda-a.de-mail.de",
            "--audience",
            "identitaet@bank.de-mail.de",
            "--provider-key",
            KEY,
            "--provider-cert",
            CERT,
            "--provider-address",
            "Ident-Bestaetigung@dmda-a.de-mail.de",
        ],
        vec![
            "ident",
            "check",
            s(&m.ident),
            "--audience",
            "identitaet@bank.de-mail.de",
        ],
    ];
    for args in &table {
        // Each command writes when its stdout is open (the table is not stale).
        let open = demail(args, None);
        assert!(!open.stdout.is_empty(), "{args:?} writes nothing to stdout");
        let output = with_closed_stdout(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(CLOSED_STDOUT), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?} printed on stderr: {stderr}");
    }
}

// Issue 15: `demail mbox list big.mbox | head -c16`: the reader takes a few
// bytes of a long report, then goes.
#[test]
fn closed_stdout_after_a_few_bytes_of_a_long_mbox_list_ends_quietly() {
    let _serial = serial();
    let m = made("cli_io-big");
    let one = std::fs::read(&m.mbox).unwrap();
    let big = m.dir.join("big.mbox");
    std::fs::write(&big, one.repeat(4000)).unwrap();
    let full = demail(&["mbox", "list", s(&big)], None);
    let lines = cli::json_lines(&full);
    assert_eq!(lines.len(), 4001);
    assert_eq!(lines[4000]["summary"]["messages"], 4000);
    assert!(full.stdout.len() > 1 << 16, "the report outgrows a pipe buffer");
    let output = closing_stdout_after(&["mbox", "list", s(&big)], 16);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(CLOSED_STDOUT), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

// D150, issue 15: `demail mbox import big.mbox | head -n1`: the reader
// takes the first lines of the stream, then goes; import ends quietly.
#[test]
fn closed_stdout_in_the_middle_of_an_mbox_import_stream_ends_quietly() {
    let _serial = serial();
    let m = made("cli_io-big-import");
    let one = std::fs::read(&m.mbox).unwrap();
    let big = m.dir.join("big.mbox");
    std::fs::write(&big, one.repeat(4000)).unwrap();
    let output = closing_stdout_after(&["mbox", "import", s(&big)], 4096);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(CLOSED_STDOUT), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

/// The commands the top-level help lists (`Commands:` section).
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

// Issue 15: the top-level help describes all commands and the exit codes;
// each subcommand's help lists its exit codes; anchors may be PEM or DER.
#[test]
fn help_names_every_command_and_every_help_lists_exit_codes() {
    let _serial = serial();
    let top = demail(&["--help"], None);
    assert_eq!(top.status.code(), Some(0));
    let help = String::from_utf8(top.stdout).unwrap();
    assert!(!help.contains("Inspect De-Mail messages (BSI"), "{help}");
    for word in ["Exit codes", "141", "PEM", "DER", "--json", "RFC 3339"] {
        assert!(help.contains(word), "top-level help lacks {word}: {help}");
    }
    let commands = listed_commands(&help);
    assert_eq!(
        commands,
        [
            "inspect",
            "sign",
            "verify",
            "confirm",
            "check-confirmation",
            "notify",
            "forward",
            "redirect",
            "split-bcc",
            "mbox",
            "protect",
            "open",
            "ident",
            "help"
        ]
    );
    let mut helps: Vec<Vec<&str>> = commands
        .iter()
        .filter(|c| *c != "help")
        .map(|c| vec![c.as_str()])
        .collect();
    for sub in ["export", "import", "list"] {
        helps.push(vec!["mbox", sub]);
    }
    for sub in ["build", "check"] {
        helps.push(vec!["ident", sub]);
    }
    for mut args in helps {
        args.push("--help");
        let output = demail(&args, None);
        let text = String::from_utf8(output.stdout).unwrap();
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        assert!(text.contains("Exit code"), "{args:?} lacks exit codes:\n{text}");
        assert!(text.contains("2: "), "{args:?} lacks exit code 2:\n{text}");
    }
    let verify = String::from_utf8(demail(&["verify", "--help"], None).stdout).unwrap();
    assert!(verify.contains("PEM (may hold several) or DER"), "{verify}");
}

// D113: a trust anchor (and an intermediate) in DER, converted by openssl,
// gives the report the PEM files give; a file that is neither is exit 2.
#[test]
fn der_trust_anchor_and_intermediate_verify_like_pem() {
    let _serial = serial();
    if !tool_available("openssl") {
        return;
    }
    let dir = temp_dir("cli_io-der");
    let mut der = Vec::new();
    for name in ["ca", "intermediate"] {
        let out = dir.join(format!("{name}.der"));
        let status = Command::new("openssl")
            .args(["x509", "-in"])
            .arg(format!("tests/data/keys/{name}.cert.pem"))
            .args(["-outform", "DER", "-out"])
            .arg(&out)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success());
        der.push(out);
    }
    let pem = demail(
        &verify_args(
            "tests/data/keys/ca.cert.pem",
            "tests/data/keys/intermediate.cert.pem",
        ),
        None,
    );
    assert_eq!(pem.status.code(), Some(0));
    assert_eq!(json(&pem)["verdict"], "pass");
    for (anchor, intermediate) in [
        (s(&der[0]), "tests/data/keys/intermediate.cert.pem"),
        (s(&der[0]), s(&der[1])),
    ] {
        let output = demail(&verify_args(anchor, intermediate), None);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(json(&output), json(&pem));
    }
    // PEM with explanatory text before the block (RFC 7468 §2) stays PEM.
    let annotated = dir.join("annotated-ca.pem");
    let mut text = b"Bag Attributes\n    friendlyName: ca\nsubject=CN = test\n".to_vec();
    text.extend(
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/keys/ca.cert.pem")).unwrap(),
    );
    std::fs::write(&annotated, text).unwrap();
    let output = demail(&verify_args(s(&annotated), s(&der[1])), None);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(json(&output), json(&pem));
    // Fail closed: another CA in DER does not make the signer trusted, and
    // a file that is neither PEM nor a DER certificate is unreadable input.
    let other = dir.join("untrusted-ca.der");
    let status = Command::new("openssl")
        .args([
            "x509",
            "-in",
            "tests/data/keys/untrusted-ca.cert.pem",
            "-outform",
            "DER",
            "-out",
        ])
        .arg(&other)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success());
    let untrusted = demail(&verify_args(s(&other), s(&der[1])), None);
    assert_eq!(untrusted.status.code(), Some(1));
    assert_eq!(json(&untrusted)["trusted"], false);
    let mut truncated = std::fs::read(&der[0]).unwrap();
    truncated.truncate(truncated.len() / 2);
    let broken = dir.join("broken.der");
    std::fs::write(&broken, truncated).unwrap();
    let output = demail(&verify_args(s(&broken), s(&der[1])), None);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

// D114: `--at` is RFC 3339 with offset, read by the library's xs:dateTime
// reader; a date that does not exist is a usage error (exit 2) for every
// command that takes a time, never silently moved to another day.
#[test]
fn at_with_an_impossible_date_is_refused_with_exit_2() {
    let _serial = serial();
    let m = made("cli_io-at");
    let commands: Vec<Vec<&str>> = vec![
        vec!["verify", SIGNED],
        vec!["check-confirmation", s(&m.confirmation), "--original", SIGNED],
        vec![
            "confirm",
            "dispatch",
            SIGNED,
            "--provider-key",
            KEY,
            "--provider-cert",
            CERT,
            "--provider-name",
            "DMDA B GmbH",
            "--system-address",
            "Versandbestaetigung@dmda-a.de-mail.de",
        ],
        vec![
            "notify",
            "unknown-recipient",
            "tests/data/normal.eml",
            "--provider-name",
            "DMDA B GmbH",
            "--system-address",
            "Meldung@dmda-b.de-mail.de",
        ],
        vec![
            "ident",
            "build",
            "--card",
            "tests/data/ident/natural-person.json",
            "--holder",
            "max.mustermann@dmda-a.de-mail.de",
            "--audience",
            "identitaet@bank.de-mail.de",
            "--provider-key",
            KEY,
            "--provider-cert",
            CERT,
            "--provider-address",
            "Ident-Bestaetigung@dmda-a.de-mail.de",
        ],
    ];
    for impossible in [
        "2026-02-30T00:00:00Z",
        "2025-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-11-24T24:00:00Z",
        "2026-11-24T10:60:00Z",
        "2026-11-24T10:00:00",
        "2026-11-24",
    ] {
        for command in &commands {
            let mut args = command.clone();
            args.extend(["--at", impossible]);
            let output = demail(&args, None);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
            assert!(output.stdout.is_empty(), "{args:?}");
            assert!(stderr.starts_with("demail: --at "), "{args:?}: {stderr}");
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
        }
    }
    // The offset is applied: the same instant written two ways gives the
    // same report; a real leap day is a date.
    let trust = ["--trust-anchor", "tests/data/keys/ca.cert.pem"];
    let report = |at: &str| {
        let mut args = vec!["verify", SIGNED, "--at", at];
        args.extend(trust);
        args.extend(["--intermediate", "tests/data/keys/intermediate.cert.pem"]);
        demail(&args, None)
    };
    let utc = report("2026-11-24T00:00:00Z");
    assert_eq!(utc.status.code(), Some(0));
    assert_eq!(json(&report("2026-11-24T01:00:00+01:00")), json(&utc));
    assert_ne!(report("2028-02-29T12:00:00Z").status.code(), Some(2));
}

// D112: with --json a failure also prints {"error": {"code", "message",
// "exit_code"}} on standard output; the human line on stderr stays; without
// --json standard output stays empty.
#[test]
fn json_flag_prints_the_failure_code() {
    let _serial = serial();
    let cases: [(&[&str], &str, i32); 6] = [
        (&["verify", "tests/data/no-such-file.eml"], "unreadable_input", 2),
        (&["verify", "tests/data/not-a-mail.eml"], "invalid_input", 2),
        (
            &["verify", SIGNED, "--at", "2026-02-30T00:00:00Z"],
            "invalid_argument",
            2,
        ),
        (&["verify", SIGNED, "--no-such-option"], "usage", 2),
        (&["sign", "tests/data/normal.eml"], "refused", 1),
        (
            &["verify", SIGNED, "--trust-anchor", "tests/data/normal.eml"],
            "invalid_input",
            2,
        ),
    ];
    for (args, code, exit) in cases {
        let plain = demail(args, None);
        assert_eq!(plain.status.code(), Some(exit), "{args:?}");
        assert!(plain.stdout.is_empty(), "{args:?}");
        let mut with_json = vec!["--json"];
        with_json.extend(args);
        let output = demail(&with_json, None);
        assert_eq!(output.status.code(), Some(exit), "{args:?}");
        let error = &json(&output)["error"];
        assert_eq!(error["code"], code, "{args:?}: {error}");
        assert_eq!(error["exit_code"], exit, "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = error["message"].as_str().unwrap();
        assert!(
            !message.is_empty() && stderr.contains(message),
            "{stderr} / {message}"
        );
    }
    // The flag is global: after the subcommand too.
    let output = demail(&["verify", "tests/data/no-such-file.eml", "--json"], None);
    assert_eq!(json(&output)["error"]["code"], "unreadable_input");
}

// D111: a message larger than 64 MiB (the mbox reader's limit) is refused
// without being read whole.
#[test]
fn input_larger_than_the_limit_is_refused_with_exit_2() {
    let _serial = serial();
    let dir = temp_dir("cli_io-limit");
    let big = dir.join("big.eml");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(64 * 1024 * 1024 + 1).unwrap();
    let output = demail(&["--json", "inspect", s(&big)], None);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(json(&output)["error"]["code"], "input_too_large");
    let _ = std::fs::remove_file(&big);
}

// D170: option times are RFC 3339 (§5.6 NOTE: `t` and `z` may be lower
// case); a time xs:dateTime cannot carry (a leap second, an offset beyond
// ±14:00, XML Schema 1.0 Part 2 §3.2.7) is refused with exit 2, since the
// CLI writes its times into XML.
#[test]
fn rfc3339_5_6_lower_case_t_and_z_are_read_and_times_xml_cannot_carry_refused() {
    let _serial = serial();
    let report = |at: &str| {
        let mut args = vec!["verify", SIGNED, "--at", at];
        args.extend(["--trust-anchor", "tests/data/keys/ca.cert.pem"]);
        args.extend(["--intermediate", "tests/data/keys/intermediate.cert.pem"]);
        demail(&args, None)
    };
    let upper = report("2026-11-24T00:00:00Z");
    assert_eq!(upper.status.code(), Some(0));
    let lower = report("2026-11-24t00:00:00z");
    assert_eq!(
        lower.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&lower.stderr)
    );
    assert_eq!(json(&lower), json(&upper));
    for refused in [
        "2016-12-31T23:59:60Z",
        "2026-11-24T00:00:00+14:30",
        "0000-01-01T00:00:00Z",
    ] {
        let output = report(refused);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{refused}: {stderr}");
        assert!(stderr.starts_with("demail: --at "), "{stderr}");
    }
}
