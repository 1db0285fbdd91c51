//! The one date type (`fields::DateTime`) against an independent clock:
//! GNU `date` (coreutils) computes the same instants and refuses the same
//! impossible dates; and every conversion round-trips over the whole range
//! (RFC 5322 §3.3, RFC 3339 §5.6, XML Schema `xs:dateTime`, D123).

use std::process::Command;

use demail::fields::DateTime;
use proptest::prelude::*;

mod xmldsig_common;

/// `date -u -d TEXT +%s`: the instant GNU date reads, `None` if it refuses.
fn gnu_seconds(text: &str) -> Option<i64> {
    let out = Command::new("date")
        .args(["-u", "-d", text, "+%s"])
        .output()
        .expect("run date");
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("seconds")
    })
}

/// `date -u -d @SECONDS -R`: GNU date's RFC 5322 form of an instant.
fn gnu_rfc5322(seconds: i64) -> String {
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{seconds}"), "-R"])
        .output()
        .expect("run date");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

// RFC 3339 §5.6/§5.7, cross-checked with GNU date.
#[test]
fn rfc3339_instants_agree_with_gnu_date() {
    if !xmldsig_common::tool_available("date") {
        return;
    }
    for text in [
        "1900-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "2000-02-29T12:34:56+05:30",
        "2026-11-24T10:00:00+01:00",
        "2038-01-19T03:14:08-08:00",
        "2100-03-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-01:00",
    ] {
        let ours = DateTime::parse_rfc3339(text).expect(text);
        assert_eq!(Some(ours.unix_seconds()), gnu_seconds(text), "{text}");
        let utc = DateTime::from_unix_seconds(ours.unix_seconds(), 0);
        if let Ok(utc) = utc {
            assert_eq!(utc.to_rfc5322(), gnu_rfc5322(ours.unix_seconds()), "{text}");
        }
    }
}

// RFC 3339 §5.7: both refuse days a month does not have.
#[test]
fn rfc3339_impossible_dates_are_refused_like_gnu_date() {
    if !xmldsig_common::tool_available("date") {
        return;
    }
    for text in [
        "2026-02-30T00:00:00Z",
        "2100-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z",
    ] {
        assert!(DateTime::parse_rfc3339(text).is_err(), "{text}");
        assert_eq!(gnu_seconds(text), None, "{text}");
    }
}

fn instant() -> impl Strategy<Value = (i64, i16)> {
    // 0001-01-02 .. 9999-12-30, any offset under a day.
    (-62_135_510_400i64..253_402_214_400, -1439i16..=1439)
}

proptest! {
    // D123: unix seconds -> DateTime -> unix seconds is the identity.
    #[test]
    fn unix_seconds_round_trip((seconds, offset) in instant()) {
        let date = DateTime::from_unix_seconds(seconds, offset).unwrap();
        let fields = DateTime::new(
            date.year(), date.month(), date.day(), date.hour(), date.minute(), date.second(),
            date.offset_minutes(),
        );
        prop_assert_eq!(fields, Ok(date));
        prop_assert_eq!(date.unix_seconds(), seconds);
    }

    // RFC 3339 §5.6 and xs:dateTime: written and read back unchanged.
    #[test]
    fn rfc3339_and_xs_date_time_round_trip((seconds, offset) in instant()) {
        let date = DateTime::from_unix_seconds(seconds, offset).unwrap();
        prop_assert_eq!(DateTime::parse_rfc3339(&date.to_rfc3339()), Ok(date));
        if offset.unsigned_abs() <= 14 * 60 {
            prop_assert_eq!(DateTime::parse_xs_date_time(&date.to_rfc3339()), Ok((date, true)));
        }
    }

    // RFC 5322 §3.3: written and read back unchanged (years 1900 on).
    #[test]
    fn rfc5322_round_trip((seconds, offset) in instant()) {
        let date = DateTime::from_unix_seconds(seconds, offset).unwrap();
        prop_assume!(date.year() >= 1900);
        prop_assert_eq!(DateTime::parse_rfc5322(&date.to_rfc5322()), Some(date));
    }

    // Never panics on any text (fail closed with a typed error).
    #[test]
    fn parsers_never_panic(text in "\\PC{0,40}") {
        let _ = DateTime::parse_rfc3339(&text);
        let _ = DateTime::parse_xs_date_time(&text);
        let _ = DateTime::read_rfc5322(&text);
    }
}
