//! The mbox reader and writer (TR 01201-3.4 §3.6, qmail quoting) on
//! arbitrary bytes.
//!
//! 1. `MboxReader` never panics, with a small size limit so that the
//!    too-large path is exercised too, and offsets only grow.
//! 2. write(read(x)) read again gives the same messages.
//! 3. Any list of messages (the input split at NUL bytes) survives
//!    write-then-read byte for byte.
#![no_main]

use demail::mbox::{FromLine, MboxReader, MboxWriter};
use libfuzzer_sys::fuzz_target;

fn write(messages: &[&[u8]]) -> Vec<u8> {
    let mut writer = MboxWriter::new(Vec::new());
    for message in messages {
        writer
            .write_message(message, &FromLine::default())
            .expect("writing to a Vec");
    }
    writer.into_inner()
}

fn read(file: &[u8]) -> Vec<Vec<u8>> {
    MboxReader::new(file, usize::MAX)
        .map(|m| m.expect("a file written by MboxWriter reads back").data)
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let mut last_offset = None;
    let mut messages = Vec::new();
    for result in MboxReader::new(data, 256) {
        if let Ok(message) = result {
            assert!(message.offset as usize <= data.len());
            assert!(Some(message.offset) > last_offset, "offsets must grow");
            last_offset = Some(message.offset);
            assert!(message.data.len() <= 256);
            messages.push(message.data);
        }
    }
    let borrowed: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    assert_eq!(read(&write(&borrowed)), messages, "write(read(x)) reads back differently");

    let split: Vec<&[u8]> = data.split(|b| *b == 0).collect();
    let round_trip = read(&write(&split));
    assert_eq!(round_trip.len(), split.len());
    for (a, b) in round_trip.iter().zip(&split) {
        assert_eq!(a.as_slice(), *b, "message not byte-exact after write and read");
    }
});
