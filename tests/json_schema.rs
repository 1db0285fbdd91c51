//! The JSON of every `demail` command against its JSON Schema (draft
//! 2020-12) in docs/schemas/ (README "JSON output", docs/decisions.md
//! D181–D186): the real CLI runs on shipped and generated inputs, and
//! Python's `jsonschema` (Debian `python3-jsonschema`, a validator
//! independent of the crate) checks each output. The schemas are closed
//! (`additionalProperties: false`, codes as `enum`), so a renamed field or
//! value fails; one test shows that with mutated output.
#![cfg(feature = "cli")]

#[path = "common/cli.rs"]
mod cli;
#[path = "common/tools.rs"]
mod tools;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use cli::{demail, temp_dir};
use tools::python_module_available;

const KEYS: &str = "tests/data/keys";
const AT: &str = "2026-11-24T00:00:00Z";

/// Validates the documents on standard input against the schema
/// `sys.argv[1]`: one document, or one per line with `lines`. Prints every
/// error and exits 1 when there is one.
const VALIDATE: &str = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
validator_class = jsonschema.validators.validator_for(schema)
validator_class.check_schema(schema)
validator = validator_class(schema)
text = sys.stdin.read()
documents = [json.loads(line) for line in text.splitlines() if line.strip()] if sys.argv[2] == "lines" else [json.loads(text)]
errors = [f"{list(e.absolute_path)}: {e.message}" for d in documents for e in validator.iter_errors(d)]
print("\n".join(errors))
sys.exit(1 if errors or not documents else 0)
"#;

/// Whether `json` (one document, or JSON Lines with `lines`) is valid
/// under docs/schemas/`schema`.schema.json; the validator's errors if not.
fn validate(schema: &str, json: &[u8], lines: bool) -> Result<(), String> {
    let path = format!("docs/schemas/{schema}.schema.json");
    let mut child = Command::new("python3")
        .args(["-c", VALIDATE, &path, if lines { "lines" } else { "one" }])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().unwrap().write_all(json).unwrap();
    let output = child.wait_with_output().unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// Asserts that the command's standard output is valid under `schema` and
/// carries `"schema_version": "1"` (on every line with `lines`).
fn assert_valid(schema: &str, output: &Output, lines: bool) {
    let stdout = &output.stdout;
    assert!(
        !stdout.is_empty(),
        "{schema}: no output: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    if let Err(errors) = validate(schema, stdout, lines) {
        panic!("{schema}: {errors}\n{}", String::from_utf8_lossy(stdout));
    }
    let documents: Vec<serde_json::Value> = if lines {
        cli::json_lines(output)
    } else {
        vec![cli::json(output)]
    };
    for document in documents {
        assert_eq!(document["schema_version"], "1", "{schema}: {document}");
    }
}

fn key(name: &str) -> String {
    format!("{KEYS}/{name}.key.pem")
}

fn cert(name: &str) -> String {
    format!("{KEYS}/{name}.cert.pem")
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The trust arguments of the test PKI at [`AT`].
fn trust() -> Vec<String> {
    [
        "--trust-anchor",
        &cert("ca"),
        "--intermediate",
        &cert("intermediate"),
        "--at",
        AT,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn run(args: &[String]) -> Output {
    demail(&args.iter().map(String::as_str).collect::<Vec<_>>(), None)
}

/// The schemas in docs/schemas/ are what docs/schemas/make_schemas.py
/// writes: the two cannot drift apart.
#[test]
fn schemas_are_the_output_of_their_generator() {
    if !tools::tool_available("python3") {
        return;
    }
    let dir = temp_dir("json_schema-generated");
    let status = Command::new("python3")
        .args(["docs/schemas/make_schemas.py", s(&dir)])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("python3");
    assert!(status.success());
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let shipped = std::fs::read(Path::new("docs/schemas").join(&name)).unwrap_or_default();
        assert_eq!(
            std::fs::read(dir.join(&name)).unwrap(),
            shipped,
            "docs/schemas/{name} is not the generator's output: run python3 docs/schemas/make_schemas.py"
        );
        names.push(name);
    }
    names.sort();
    assert_eq!(names.len(), 11, "{names:?}");
}

// TR 01201-3.4 §3.1 (Table 1), §2.1.3; ID IO §2.6: inspect of a valid, an
// invalid, an S/MIME signed and an ident message.
#[test]
fn inspect_output_matches_its_schema() {
    if !python_module_available("jsonschema") {
        return;
    }
    for file in [
        "tests/data/normal.eml",
        "tests/data/duplicate-to-element.eml",
        "tests/data/duplicate-header-first-wins.eml",
        "tests/data/notification.eml",
        "tests/data/e2e/smime-signed.eml",
        "tests/data/e2e/pgp-mime-encrypted.eml",
        "tests/data/ident.eml",
    ] {
        assert_valid("inspect", &demail(&["inspect", file], None), false);
    }
}

// TR 01201-3.4 §3.1.21; PVD FU Schritt 48: a pass, a fail (FC-01), an
// untrusted signer and a stamped message.
#[test]
fn verify_output_matches_its_schema() {
    if !python_module_available("jsonschema") {
        return;
    }
    let mut pass = vec![
        "verify".to_owned(),
        "tests/data/signed/normal-rsa3072.eml".to_owned(),
    ];
    pass.extend(trust());
    let output = run(&pass);
    assert_eq!(output.status.code(), Some(0));
    assert_valid("verify", &output, false);
    assert_eq!(cli::json(&output)["verdict"], "pass");

    let output = demail(&["verify", "tests/data/normal.eml"], None);
    assert_eq!(output.status.code(), Some(1));
    assert_valid("verify", &output, false);

    let output = demail(&["verify", "tests/data/signed/normal-rsa3072.eml"], None);
    assert_eq!(cli::json(&output)["verdict"], "signer_not_trusted");
    assert_valid("verify", &output, false);

    let stamped = temp_dir("json_schema-stamp").join("stamped.eml");
    let mut stamp = pass.clone();
    stamp.extend(["--stamp", "--authserv-id", "gw.example.de", "-o", s(&stamped)].map(str::to_owned));
    let output = run(&stamp);
    assert_eq!(output.status.code(), Some(0));
    assert_valid("verify", &output, false);
}

// TR 01201-3.4 §3.5.1: a confirmation built by `confirm`, checked against
// its original.
#[test]
fn check_confirmation_output_matches_its_schema() {
    if !python_module_available("jsonschema") {
        return;
    }
    let dir = temp_dir("json_schema-confirmation");
    let confirmation = dir.join("dispatch.eml");
    let original = "tests/data/signed/normal-rsa3072.eml";
    let built = demail(
        &[
            "confirm",
            "dispatch",
            original,
            "--provider-key",
            &key("p256"),
            "--provider-cert",
            &cert("p256"),
            "--provider-name",
            "DMDA B GmbH",
            "--system-address",
            "Versandbestaetigung@dmda-a.de-mail.de",
            "--at",
            "2024-03-12T09:15:06+01:00",
            "-o",
            s(&confirmation),
        ],
        None,
    );
    assert_eq!(
        built.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let mut args = vec![
        "check-confirmation".to_owned(),
        s(&confirmation).to_owned(),
        "--original".to_owned(),
        original.to_owned(),
    ];
    args.extend(trust());
    let output = run(&args);
    assert_eq!(output.status.code(), Some(0));
    assert_valid("check-confirmation", &output, false);
    // A mismatch: checked against another original.
    args[3] = "tests/data/normal.eml".to_owned();
    let output = run(&args);
    assert_eq!(output.status.code(), Some(1));
    assert_valid("check-confirmation", &output, false);
}

// ID IO §2.6: an ident confirmation built by `ident build`, checked with the
// right and with a wrong audience.
#[test]
fn ident_check_output_matches_its_schema() {
    if !python_module_available("jsonschema") {
        return;
    }
    let message = temp_dir("json_schema-ident").join("ident.eml");
    let built = demail(
        &[
            "ident",
            "build",
            "--card",
            "tests/data/ident/natural-person.json",
            "--holder",
            "max.mustermann@dmda-a.de-mail.de",
            "--audience",
            "identitaet@bank.de-mail.de",
            "--provider-key",
            &key("p256"),
            "--provider-cert",
            &cert("p256"),
            "--provider-address",
            "Ident-Bestaetigung@dmda-a.de-mail.de",
            "--at",
            "2026-11-20T10:05:00+01:00",
            "-o",
            s(&message),
        ],
        None,
    );
    assert_eq!(
        built.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    for (audience, exit) in [("identitaet@bank.de-mail.de", 0), ("other@bank.de-mail.de", 1)] {
        let mut args = vec![
            "ident".to_owned(),
            "check".to_owned(),
            s(&message).to_owned(),
            "--audience".to_owned(),
            audience.to_owned(),
        ];
        args.extend(trust());
        let output = run(&args);
        assert_eq!(output.status.code(), Some(exit));
        assert_valid("ident-check", &output, false);
    }
    assert_valid("inspect", &demail(&["inspect", s(&message)], None), false);
}

// TR 01201-3.4 §3.6: export, then list and import as JSON Lines (every
// record and the summary), with a valid, an invalid and an oversized message.
#[test]
fn mbox_output_matches_its_schemas() {
    if !python_module_available("jsonschema") {
        return;
    }
    let dir = temp_dir("json_schema-mbox");
    let mbox = dir.join("all.mbox");
    let output = demail(
        &[
            "mbox",
            "export",
            "tests/data/normal.eml",
            "tests/data/missing-sender.eml",
            "tests/data/signed/normal-rsa3072.eml",
            "-o",
            s(&mbox),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    assert_valid("mbox-export", &output, false);
    let output = demail(&["mbox", "list", s(&mbox)], None);
    assert_eq!(output.status.code(), Some(0));
    assert_valid("mbox-list", &output, true);
    let output = demail(&["mbox", "list", s(&mbox), "--max-message", "2000"], None);
    assert_eq!(output.status.code(), Some(1));
    assert_valid("mbox-list", &output, true);
    let output = demail(&["mbox", "import", s(&mbox), "-d", s(&dir.join("out"))], None);
    assert_eq!(output.status.code(), Some(1));
    assert_valid("mbox-import", &output, true);
    let output = demail(&["mbox", "list", "-"], Some(b"not an mbox\n"));
    assert_valid("mbox-list", &output, true);
}

// TR 01201-3.4 §3.1.8: the split copies.
#[test]
fn split_bcc_output_matches_its_schema() {
    if !python_module_available("jsonschema") {
        return;
    }
    let dir = temp_dir("json_schema-split");
    let output = demail(
        &["split-bcc", "tests/data/normal-minimal.eml", "-d", s(&dir)],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_valid("split-bcc", &output, false);
}

// TR 01201-3.4 §2.1.3 (RFC 8551): protect signed and encrypted, open it, and
// a refusal as the error object.
#[test]
fn protect_and_open_output_match_their_schemas() {
    if !python_module_available("jsonschema") {
        return;
    }
    let dir = temp_dir("json_schema-smime");
    let protected = dir.join("protected.eml");
    let output = demail(
        &[
            "protect",
            "tests/data/e2e/draft.eml",
            "--recipient-cert",
            &cert("p256-enc"),
            "--sign-key",
            &key("rsa2048-dual"),
            "--sign-cert",
            &cert("rsa2048-dual"),
            "-o",
            s(&protected),
        ],
        None,
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_valid("protect", &output, false);
    let mut args = vec![
        "open".to_owned(),
        s(&protected).to_owned(),
        "--key".to_owned(),
        key("p256-enc"),
        "--cert".to_owned(),
        cert("p256-enc"),
    ];
    args.extend(trust());
    let output = run(&args);
    assert_valid("open", &output, false);
    assert_valid("inspect", &demail(&["inspect", s(&protected)], None), false);
    // Already sealed (an X-de-mail-integrity field): refused with the
    // error object, exit 1.
    let output = demail(
        &[
            "protect",
            "tests/data/normal-minimal.eml",
            "--recipient-cert",
            &cert("p256-enc"),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_valid("error", &output, false);
}

// D110–D114: with --json every failure prints the error object.
#[test]
fn error_object_matches_its_schema() {
    if !python_module_available("jsonschema") {
        return;
    }
    for args in [
        &["--json", "verify", "/nonexistent/message.eml"][..],
        &["--json", "verify", "tests/data/not-a-mail.eml"][..],
        &["--json", "verify", "tests/data/normal.eml", "--at", "yesterday"][..],
        &["--json", "no-such-command"][..],
        &["--json", "sign", "tests/data/normal.eml"][..],
    ] {
        let output = demail(args, None);
        assert_ne!(output.status.code(), Some(0), "{args:?}");
        assert_valid("error", &output, false);
    }
}

// D185: the schemas are strict enough to notice a renamed field, a renamed
// code, an unknown key and the old prose verdict.
#[test]
fn schema_rejects_a_mutated_output() {
    if !python_module_available("jsonschema") {
        return;
    }
    let output = demail(&["verify", "tests/data/normal.eml"], None);
    let good = String::from_utf8(output.stdout).unwrap();
    assert!(validate("verify", good.as_bytes(), false).is_ok());
    for (from, to) in [
        ("\"verdict\":", "\"result\":"),
        ("\"fc_02\"", "\"FC-02\""),
        (
            "\"verdict\": \"fail\"",
            "\"verdict\": \"signature valid, signer not trusted\"",
        ),
        ("\"schema_version\": \"1\"", "\"schema_version\": \"2\""),
        ("\"failure\": {", "\"failure\": {\"extra\": 1, "),
        ("\"mode\": \"signed\"", "\"mode\": \"hash-only\""),
    ] {
        assert!(good.contains(from), "{from} not in {good}");
        let mutated = good.replacen(from, to, 1);
        let errors = validate("verify", mutated.as_bytes(), false)
            .expect_err(&format!("{from} -> {to} passed the schema"));
        assert!(!errors.trim().is_empty());
    }
    let lines = demail(&["mbox", "list", "-"], Some(b"not an mbox\n")).stdout;
    let mutated = String::from_utf8(lines)
        .unwrap()
        .replace("\"not_mbox\"", "\"not-mbox\"");
    assert!(validate("mbox-list", mutated.as_bytes(), true).is_err());
}
