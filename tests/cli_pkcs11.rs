//! Signing through the CLI with a key in a PKCS#11 token (issue 15, D152):
//! `sign`, `confirm`, `notify`, `split-bcc`, `ident build` and `protect`
//! take `--pkcs11-module PATH --pkcs11-token LABEL --pkcs11-key LABEL`, the
//! PIN from `DEMAIL_PKCS11_PIN` only. The token is SoftHSM2 set up with
//! softhsm2-util and pkcs11-tool (tests/common/softhsm.rs); what the CLI
//! signs verifies with `demail verify` and, for one case, with openssl.
//! A missing PIN variable, a wrong PIN and an unknown key label exit 2 with
//! their codes. Missing tools skip visibly and fail under `CI=true`.
#![cfg(feature = "cli")]

#[path = "common/cli.rs"]
mod cli;
#[path = "common/softhsm.rs"]
mod softhsm;
#[path = "xmldsig_common/mod.rs"]
mod xmldsig_common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use cli::{json, temp_dir};
use softhsm::{MODULE, PIN, TOKEN, token_with_keys};
use xmldsig_common::tool_available;

const ANCHOR: &str = "tests/data/keys/ca.cert.pem";
const INTERMEDIATE: &str = "tests/data/keys/intermediate.cert.pem";
const MESSAGE: &str = "tests/data/normal.eml";

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A token for `name`, or `None` (skipped) without the tools.
fn token(name: &str) -> Option<(PathBuf, PathBuf)> {
    if !tool_available("softhsm2-util") || !tool_available("pkcs11-tool") {
        return None;
    }
    assert!(Path::new(MODULE).exists(), "{MODULE} missing (Debian softhsm2)");
    let dir = temp_dir(&format!("cli_pkcs11-{name}"));
    let conf = token_with_keys(&dir);
    Some((dir, conf))
}

/// `demail args` with the token's configuration and `pin` (unset for `None`).
fn demail(conf: &Path, pin: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_demail"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("SOFTHSM2_CONF", conf)
        .env_remove("DEMAIL_PKCS11_PIN")
        .stdin(Stdio::null());
    if let Some(pin) = pin {
        command.env("DEMAIL_PKCS11_PIN", pin);
    }
    command.output().unwrap()
}

fn token_args(key: &str) -> Vec<&str> {
    vec![
        "--pkcs11-module",
        MODULE,
        "--pkcs11-token",
        TOKEN,
        "--pkcs11-key",
        key,
    ]
}

/// `demail verify FILE` against the test CA; the report.
fn verifies(conf: &Path, file: &Path) -> serde_json::Value {
    let output = demail(
        conf,
        None,
        &[
            "verify",
            s(file),
            "--trust-anchor",
            ANCHOR,
            "--intermediate",
            INTERMEDIATE,
        ],
    );
    let report = json(&output);
    assert_eq!(output.status.code(), Some(0), "{report}");
    report
}

// TR 01201-3.4 §3.1.21: `demail sign` with an RSA and an EC key on the
// token; the message verifies with `demail verify`, and the signer is the
// token's certificate.
#[test]
fn sign_with_a_token_key_verifies_with_demail_verify() {
    let Some((dir, conf)) = token("sign") else { return };
    for (key, alg, subject_key) in [
        ("rsa3072", "sha256/rsa", "RSA-3072"),
        ("p256", "sha256/ec-dsa", "EC P-256"),
    ] {
        let out = dir.join(format!("{key}.eml"));
        let mut args = vec!["sign", MESSAGE, "--alg", alg, "-o", s(&out)];
        args.extend(token_args(key));
        let output = demail(&conf, Some(PIN), &args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report = verifies(&conf, &out);
        assert_eq!(report["verdict"], "pass");
        assert_eq!(report["mode"], "signed");
        assert_eq!(report["certificate"]["key"], subject_key);
    }
}

// TR 01201-3.4 §3.5 and §3.1.21: a confirmation `demail confirm` signs
// through the token passes `demail check-confirmation`; a notification and
// the BCC copies signed through it verify with `demail verify`.
#[test]
fn confirm_notify_and_split_bcc_sign_through_the_token() {
    let Some((dir, conf)) = token("provider") else {
        return;
    };
    let signed = dir.join("signed.eml");
    let mut args = vec!["sign", MESSAGE, "-o", s(&signed)];
    args.extend(token_args("p384"));
    assert_eq!(demail(&conf, Some(PIN), &args).status.code(), Some(0));

    let confirmation = dir.join("receipt.eml");
    let mut args = vec![
        "confirm",
        "receipt",
        s(&signed),
        "--provider-name",
        "DMDA B GmbH",
        "--system-address",
        "Eingangsbestaetigung@dmda-b.de-mail.de",
        "--at",
        "2026-11-24T10:00:00Z",
        "-o",
        s(&confirmation),
    ];
    args.extend(token_args("p256"));
    let output = demail(&conf, Some(PIN), &args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = demail(
        &conf,
        None,
        &[
            "check-confirmation",
            s(&confirmation),
            "--original",
            s(&signed),
            "--trust-anchor",
            ANCHOR,
            "--intermediate",
            INTERMEDIATE,
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );

    let notification = dir.join("notification.eml");
    let mut args = vec![
        "notify",
        "unknown-recipient",
        MESSAGE,
        "--provider-name",
        "DMDA B GmbH",
        "--system-address",
        "Meldung@dmda-b.de-mail.de",
        "-o",
        s(&notification),
    ];
    args.extend(token_args("rsa2048"));
    let output = demail(&conf, Some(PIN), &args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(verifies(&conf, &notification)["mode"], "signed");

    let copies = dir.join("copies");
    let mut args = vec![
        "split-bcc",
        "tests/data/e2e/pgp-mime-signed.eml",
        "-d",
        s(&copies),
    ];
    args.extend(token_args("bp256"));
    let output = demail(&conf, Some(PIN), &args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for copy in json(&output)["copies"].as_array().unwrap() {
        assert_eq!(copy["signed"], true);
        let report = verifies(&conf, Path::new(copy["file"].as_str().unwrap()));
        assert_eq!(report["certificate"]["key"], "EC brainpoolP256r1");
    }
}

// Cross-check with openssl: the S/MIME signature `demail protect --opaque`
// makes with the token key (RFC 8551) verifies with `openssl cms -verify`.
#[test]
fn protect_signs_through_the_token_and_openssl_verifies_the_signature() {
    let Some((dir, conf)) = token("protect") else {
        return;
    };
    if !tool_available("openssl") {
        return;
    }
    let out = dir.join("protected.eml");
    let mut args = vec![
        "protect",
        "tests/data/e2e/draft.eml",
        "--recipient-cert",
        "tests/data/keys/p256-enc.cert.pem",
        "--opaque",
        "--cipher",
        "aes256-cbc",
        "-o",
        s(&out),
    ];
    args.extend(token_args("rsa3072"));
    let output = demail(&conf, Some(PIN), &args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let decrypted = dir.join("inner.eml");
    let run = |args: &[&str]| {
        let output = Command::new("openssl").args(args).output().unwrap();
        assert!(
            output.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(&[
        "cms",
        "-decrypt",
        "-in",
        s(&out),
        "-inkey",
        "tests/data/keys/p256-enc.key.pem",
        "-out",
        s(&decrypted),
    ]);
    let chain = dir.join("chain.pem");
    let mut pem = std::fs::read(ANCHOR).unwrap();
    pem.extend(std::fs::read(INTERMEDIATE).unwrap());
    std::fs::write(&chain, pem).unwrap();
    run(&[
        "cms",
        "-verify",
        "-in",
        s(&decrypted),
        "-CAfile",
        s(&chain),
        "-purpose",
        "any",
        "-out",
        "/dev/null",
    ]);
}

// D144, D152: the PIN comes only from DEMAIL_PKCS11_PIN; without it, with a
// wrong one, or with an unknown key label nothing is signed: exit 2 and the
// code says which.
#[test]
fn missing_pin_wrong_pin_and_unknown_key_exit_2_with_their_codes() {
    let Some((dir, conf)) = token("refusals") else {
        return;
    };
    let out = dir.join("never.eml");
    for (pin, key, code) in [
        (None, "p256", "pkcs11_pin_not_set"),
        (Some("0000"), "p256", "pkcs11_wrong_pin"),
        (Some(PIN), "no-such-key", "pkcs11_key_not_found"),
    ] {
        let mut args = vec!["sign", MESSAGE, "--json", "-o", s(&out)];
        args.extend(token_args(key));
        let output = demail(&conf, pin, &args);
        assert_eq!(output.status.code(), Some(2), "{code}");
        assert_eq!(json(&output)["error"]["code"], code);
        assert!(!out.exists(), "{code}: nothing written");
    }
}

// D152: one way to pass a signer: a key file and a token key exclude each
// other, and the token options go together (usage errors, exit 2).
#[test]
fn key_file_and_token_key_together_or_incomplete_token_options_exit_2() {
    let Some((_dir, conf)) = token("usage") else {
        return;
    };
    let mut args = vec![
        "sign",
        MESSAGE,
        "--json",
        "--key",
        "tests/data/keys/p256.key.pem",
        "--cert",
        "tests/data/keys/p256.cert.pem",
    ];
    args.extend(token_args("p256"));
    let output = demail(&conf, Some(PIN), &args);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(json(&output)["error"]["code"], "invalid_argument");
    let output = demail(
        &conf,
        Some(PIN),
        &["sign", MESSAGE, "--json", "--pkcs11-module", MODULE],
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(json(&output)["error"]["code"], "usage");
}

// ID IO §2: `demail ident build` signs the ident confirmation through the
// token; `demail ident check` passes it against the test CA.
#[test]
fn ident_build_signs_through_the_token_and_ident_check_passes() {
    let Some((dir, conf)) = token("ident") else { return };
    let message = dir.join("ident.eml");
    let mut args = vec![
        "ident",
        "build",
        "--card",
        "tests/data/ident/natural-person.json",
        "--holder",
        "max.mustermann@dmda-a.de-mail.de",
        "--audience",
        "identitaet@bank.de-mail.de",
        "--provider-address",
        "Ident-Bestaetigung@dmda-a.de-mail.de",
        "--at",
        "2026-11-20T10:05:00+01:00",
        "--authn-instant",
        "2026-11-20T09:58:00+01:00",
        "-o",
        s(&message),
    ];
    args.extend(token_args("p384"));
    let output = demail(&conf, Some(PIN), &args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = demail(
        &conf,
        None,
        &[
            "ident",
            "check",
            s(&message),
            "--audience",
            "identitaet@bank.de-mail.de",
            "--trust-anchor",
            ANCHOR,
            "--intermediate",
            INTERMEDIATE,
            "--at",
            "2026-11-24T00:00:00Z",
        ],
    );
    let report = json(&output);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(report["passed"], true);
}
