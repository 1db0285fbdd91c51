//! `demail ident build` and `demail ident check` (TR 01201 ID IO §2): the
//! build → check round trip of every card type from the JSON examples in
//! tests/data/ident/, `inspect` reporting kind and card type, and the exit
//! codes (0 pass, 1 refused or mismatch, 2 unreadable input or usage).
#![cfg(feature = "cli")]

#[path = "common/cli.rs"]
mod cli;

use std::path::PathBuf;

use cli::{demail, json};

const HOLDER: &str = "max.mustermann@dmda-a.de-mail.de";
const AUDIENCE: &str = "identitaet@bank.de-mail.de";
const CARDS: [(&str, &str); 7] = [
    ("natural-person", "NaturalPerson"),
    ("legal-person", "LegalPerson"),
    ("address", "Address"),
    ("age", "Age"),
    ("age-over-16", "AgeOver16"),
    ("age-over-18", "AgeOver18"),
    ("de-mail-address", "DeMailAddress"),
];
const TRUST: [&str; 6] = [
    "--trust-anchor",
    "tests/data/keys/ca.cert.pem",
    "--intermediate",
    "tests/data/keys/intermediate.cert.pem",
    "--at",
    "2026-11-24T00:00:00Z",
];

fn out(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_ident");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).display().to_string()
}

fn build(card: &str, key: &str, output: &str) -> std::process::Output {
    build_from(&format!("tests/data/ident/{card}.json"), key, output)
}

/// `ident build` of the card JSON at `card`, signed with the test key `key`.
fn build_from(card: &str, key: &str, output: &str) -> std::process::Output {
    let key_file = format!("tests/data/keys/{key}.key.pem");
    let cert_file = format!("tests/data/keys/{key}.cert.pem");
    demail(
        &[
            "ident",
            "build",
            "--card",
            card,
            "--holder",
            HOLDER,
            "--audience",
            AUDIENCE,
            "--provider-key",
            &key_file,
            "--provider-cert",
            &cert_file,
            "--provider-address",
            "Ident-Bestaetigung@dmda-a.de-mail.de",
            "--at",
            "2026-11-20T10:05:00+01:00",
            "--authn-instant",
            "2026-11-20T09:58:00+01:00",
            "-o",
            output,
        ],
        None,
    )
}

fn check(file: &str, audience: &str) -> std::process::Output {
    let mut args = vec!["ident", "check", file, "--audience", audience];
    args.extend(TRUST);
    demail(&args, None)
}

#[test]
fn ident_build_then_check_round_trips_every_card_type() {
    for (file, card_type) in CARDS {
        let message = out(&format!("{file}.eml"));
        let built = build(file, "p256", &message);
        assert_eq!(
            built.status.code(),
            Some(0),
            "{file}: {}",
            String::from_utf8_lossy(&built.stderr)
        );
        let checked = check(&message, AUDIENCE);
        let report = json(&checked);
        assert_eq!(checked.status.code(), Some(0), "{file}: {report:#}");
        assert_eq!(report["passed"], true);
        assert_eq!(report["assertion"]["card"]["type"], card_type);
        assert_eq!(report["assertion"]["audience"], AUDIENCE);
        assert_eq!(report["assertion"]["subject"], HOLDER);
        assert_eq!(report["assertion"]["authn_instant"], "2026-11-20T08:58:00Z");
        assert_eq!(report["assertion"]["card"]["type"], card_type);
        // The card printed is the card given, field for field.
        let given: serde_json::Value =
            serde_json::from_slice(&std::fs::read(format!("tests/data/ident/{file}.json")).unwrap()).unwrap();
        let printed = report["assertion"]["card"]["fields"].as_array().unwrap();
        let expected = given["fields"].as_array().unwrap();
        assert_eq!(printed.len(), expected.len(), "{file}");
        for (p, e) in printed.iter().zip(expected) {
            assert_eq!(p["name"], e["name"]);
            let value = match &e["value"] {
                serde_json::Value::Bool(b) => b.to_string(),
                v => v.as_str().unwrap().to_owned(),
            };
            assert_eq!(p["value"], value.as_str());
            assert_eq!(p["validation_time"], "2026-11-20T09:00:00Z");
        }
    }
}

#[test]
fn inspect_reports_ident_kind_and_card_type() {
    let message = out("inspect-natural.eml");
    assert_eq!(build("natural-person", "p256", &message).status.code(), Some(0));
    let output = demail(&["inspect", &message], None);
    let report = json(&output);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(report["envelope"]["message_type"], "identification");
    assert_eq!(report["ident"]["assertion"]["card"]["type"], "NaturalPerson");
    assert_eq!(
        report["ident"]["assertion"]["issuer"],
        "Ident-Bestaetigung@dmda-a.de-mail.de"
    );
}

#[test]
fn ident_check_wrong_audience_exits_1() {
    let message = out("audience.eml");
    assert_eq!(build("age", "p256", &message).status.code(), Some(0));
    let checked = check(&message, "andere@bank.de-mail.de");
    assert_eq!(checked.status.code(), Some(1));
    let report = json(&checked);
    assert!(
        report["mismatches"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["code"] == "wrong_audience"),
        "{report:#}"
    );
}

#[test]
fn ident_check_untrusted_signer_exits_1() {
    let message = out("untrusted.eml");
    assert_eq!(build("age", "untrusted", &message).status.code(), Some(0));
    let checked = check(&message, AUDIENCE);
    assert_eq!(checked.status.code(), Some(1));
    let report = json(&checked);
    let codes: Vec<&str> = report["mismatches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"assertion_signature"), "{codes:?}");
}

#[test]
fn ident_build_refuses_a_card_breaking_a_rule_with_exit_1() {
    let card = out("bad-card.json");
    std::fs::write(
        &card,
        r#"{"type": "AgeOver18", "validation_time": "2026-11-20T10:00:00Z",
            "fields": [{"name": "over18", "value": false}, {"name": "de-mail-address", "value": "max.mustermann@dmda-a.de-mail.de"}]}"#,
    )
    .unwrap();
    let output = build_from(&card, "p256", &out("bad-card.eml"));
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("over18"));
}

#[test]
fn ident_unreadable_input_exits_2() {
    let output = demail(&["ident", "check", "tests/data/ident/missing.eml"], None);
    assert_eq!(output.status.code(), Some(2));
    let output = demail(
        &[
            "ident",
            "build",
            "--card",
            "tests/data/ident/missing.json",
            "--holder",
            HOLDER,
            "--audience",
            AUDIENCE,
            "--provider-key",
            "tests/data/keys/p256.key.pem",
            "--provider-cert",
            "tests/data/keys/p256.cert.pem",
            "--provider-address",
            "Ident-Bestaetigung@dmda-a.de-mail.de",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
}

// D170: the card's validation_time is RFC 3339 (§5.6 NOTE: `t` and `z` may
// be lower case), written as xs:dateTime (upper case); a time xs:dateTime
// cannot carry (a leap second, XML Schema 1.0 Part 2 §3.2.7) is unreadable
// input, exit 2.
#[test]
fn rfc3339_5_6_lower_case_validation_time_is_read_and_a_leap_second_refused() {
    let build_with = |name: &str, time: &str| {
        let card = out(&format!("{name}.json"));
        std::fs::write(
            &card,
            format!(
                r#"{{"type": "DeMailAddress", "validation_time": "{time}",
                    "fields": [{{"name": "de-mail-address", "value": "{HOLDER}"}}]}}"#
            ),
        )
        .unwrap();
        let output_path = out(&format!("{name}.eml"));
        (build_from(&card, "p256", &output_path), output_path)
    };
    let (lower, path) = build_with("lower-case-time", "2026-11-20t10:00:00z");
    assert_eq!(
        lower.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&lower.stderr)
    );
    let checked = check(&path, AUDIENCE);
    let report = json(&checked);
    assert_eq!(checked.status.code(), Some(0), "{report:#}");
    // Read back from the signed XML: written as xs:dateTime, upper case.
    assert_eq!(
        report["assertion"]["card"]["fields"][0]["validation_time"],
        "2026-11-20T10:00:00Z"
    );
    let (leap, _) = build_with("leap-second-time", "2016-12-31T23:59:60Z");
    let stderr = String::from_utf8_lossy(&leap.stderr);
    assert_eq!(leap.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("validation_time"), "{stderr}");
}
