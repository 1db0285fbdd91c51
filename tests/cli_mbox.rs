//! `demail mbox list` and `mbox import` stream their reports as JSON Lines
//! (D150, issue 15 §3): one object per message in mbox order, printed as the
//! message is read, then one `{"summary": ...}` line; the exit codes stay
//! (TR 01201-3.4 §3.6: 0 all valid, 1 invalid or unreadable messages found).
#![cfg(feature = "cli")]

#[path = "common/cli.rs"]
mod cli;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use cli::{demail, json_lines, temp_dir};

const FROM_LINE: &[u8] = b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n";

/// One mbox entry (From_ line, the message as it is, with its CRLF line
/// ends, TR 01201-3.4 §3.6; then a line end).
fn entry(message: &[u8]) -> Vec<u8> {
    let mut out = FROM_LINE.to_vec();
    out.extend_from_slice(message);
    out.push(b'\n');
    out
}

/// An mbox of `count` messages, every `bad_every`-th one not a De-Mail
/// message, with the byte offset of each entry.
fn generated_mbox(count: usize, bad_every: usize) -> (Vec<u8>, Vec<usize>) {
    let good = entry(&std::fs::read("tests/data/signed/normal-minimal-hash-only.eml").unwrap());
    let bad = entry(b"Subject: plain\r\n\r\nhi\r\n");
    let (mut mbox, mut offsets) = (Vec::new(), Vec::new());
    for i in 0..count {
        offsets.push(mbox.len());
        mbox.extend_from_slice(if i % bad_every == bad_every - 1 {
            &bad
        } else {
            &good
        });
    }
    (mbox, offsets)
}

// D150: one JSON object per line, one line per message in order with its
// index and byte offset (§3.6), then the summary line; list only reads the
// mbox, so messages that are not De-Mail messages still exit 0.
#[test]
fn mbox_list_streams_one_json_line_per_message_then_a_summary() {
    let (mbox, offsets) = generated_mbox(1500, 7);
    let output = demail(&["mbox", "list", "-"], Some(&mbox));
    assert_eq!(output.status.code(), Some(0), "list reads every message: exit 0");
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(text.ends_with('\n'));
    assert_eq!(text.lines().count(), 1501);
    let lines = json_lines(&output);
    for (i, line) in lines[..1500].iter().enumerate() {
        assert_eq!(line["index"], i, "line {i}");
        assert_eq!(line["offset"], offsets[i], "line {i}");
        assert!(line.get("summary").is_none());
    }
    assert_eq!(lines[3]["subject"], lines[0]["subject"]);
    assert_eq!(lines[6]["subject"], "plain");
    assert_eq!(lines[1500]["summary"]["messages"], 1500);
    assert_eq!(lines[1500]["summary"]["problems"], 0);
}

// TR 01201-3.4 §3.6 ("Ansonsten ist ein Fehler auszugeben"), D150: import
// streams one line per message, valid or not, and the summary counts them;
// exit 1 when any is invalid.
#[test]
fn mbox_import_streams_one_json_line_per_message_and_exits_1_on_invalid() {
    let (mbox, offsets) = generated_mbox(700, 7);
    let dir = temp_dir("cli_mbox-import");
    let out_dir = dir.join("imported");
    let output = demail(
        &["mbox", "import", "-", "-d", out_dir.to_str().unwrap()],
        Some(&mbox),
    );
    assert_eq!(output.status.code(), Some(1));
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 701);
    let mut invalid = 0;
    for (i, line) in lines[..700].iter().enumerate() {
        assert_eq!(line["index"], i);
        assert_eq!(line["offset"], offsets[i]);
        if i % 7 == 6 {
            invalid += 1;
            assert_eq!(line["valid"], false, "line {i}");
            assert!(line["problem"]["message"].as_str().unwrap().contains("De-Mail"));
        } else {
            assert_eq!(line["valid"], true, "line {i}");
            assert_eq!(line["integrity"]["verdict"], "pass", "line {i}");
            let file = out_dir.join(format!("{:04}.eml", i + 1));
            assert_eq!(line["file"], file.display().to_string());
            assert!(file.exists());
        }
    }
    assert_eq!(invalid, 100);
    assert_eq!(lines[700]["summary"]["messages"], 700);
    assert_eq!(lines[700]["summary"]["valid"], 600);
    assert_eq!(lines[700]["summary"]["invalid"], 100);
}

// D150: streamed, not collected: the line of the first message is printed
// while standard input is still open (its end is known once the next From_
// line is read), so memory does not grow with the number of messages.
#[test]
fn mbox_list_prints_a_message_before_the_input_ends() {
    let (mbox, offsets) = generated_mbox(2, 100);
    let mut child = Command::new(env!("CARGO_BIN_EXE_demail"))
        .args(["mbox", "list", "-"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The first message and the From_ line that ends it.
    stdin.write_all(&mbox[..offsets[1] + FROM_LINE.len()]).unwrap();
    stdin.flush().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let first: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(first["index"], 0);
    assert_eq!(first["offset"], 0);
    stdin.write_all(&mbox[offsets[1] + FROM_LINE.len()..]).unwrap();
    drop(stdin);
    let rest: Vec<String> = stdout.lines().map(Result::unwrap).collect();
    assert_eq!(rest.len(), 2);
    let summary: serde_json::Value = serde_json::from_str(&rest[1]).unwrap();
    assert_eq!(summary["summary"]["messages"], 2);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

// D150: a message too large for --max-message is its own line (index,
// offset, problem), the stream goes on, and the exit code is 1.
#[test]
fn mbox_list_reports_a_too_large_message_in_its_line_and_exits_1() {
    let (mbox, offsets) = generated_mbox(3, 100);
    let size = offsets[1];
    let output = demail(
        &["mbox", "list", "-", "--max-message", &(size - 100).to_string()],
        Some(&mbox),
    );
    assert_eq!(output.status.code(), Some(1));
    let lines = json_lines(&output);
    assert_eq!(lines.last().unwrap()["summary"]["problems"], 3);
    assert_eq!(lines[0]["valid"], false);
    assert_eq!(lines[0]["offset"], 0);
    assert!(lines[0]["problem"]["message"].as_str().is_some());
}
