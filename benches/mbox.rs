//! mbox import throughput (TR 01201-3.4 §3.6): splitting a generated 100 MB
//! mbox file with `MboxReader`, streaming from disk, against a plain read of
//! the same file through the same `BufReader` (the I/O floor).
//!
//! The file is generated at bench time in a temporary directory (never in
//! the unit tests) and removed afterwards. Memory stays bounded by the
//! largest message (a few hundred KB here), not by the file size.
//!
//! `cargo bench --bench mbox`

use std::fs::File;
use std::hint::black_box;
use std::io::{BufReader, BufWriter, Read};
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use demail::mbox::{DEFAULT_MAX_MESSAGE, FromLine, MboxReader, MboxWriter};

const SIZE: u64 = 100 * 1024 * 1024;

/// Writes about 100 MB of De-Mail messages of varied size (2 KB to 300 KB,
/// some with `From ` lines to quote) and returns the path and message count.
fn generate() -> (PathBuf, usize) {
    let path = std::env::temp_dir().join(format!("demail-bench-{}.mbox", std::process::id()));
    let base = include_bytes!("../tests/data/signed/normal-rsa3072.eml");
    let file = File::create(&path).expect("create the bench file");
    let mut writer = MboxWriter::new(BufWriter::new(file));
    let (mut written, mut count) = (0u64, 0usize);
    while written < SIZE {
        let mut message = base.to_vec();
        let lines = [2, 40, 400, 4000][count % 4];
        for i in 0..lines {
            if i % 50 == 7 {
                message.extend_from_slice(b"From the archive: a line that must be quoted.\r\n");
            } else {
                message.extend_from_slice(
                    b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do.\r\n",
                );
            }
        }
        writer
            .write_message(&message, &FromLine::for_message(&message))
            .expect("write");
        written += message.len() as u64 + 60;
        count += 1;
    }
    writer.finish().expect("flush");
    (path, count)
}

fn split(c: &mut Criterion) {
    let (path, count) = generate();
    let bytes = std::fs::metadata(&path).expect("metadata").len();
    let open = || BufReader::with_capacity(256 * 1024, File::open(&path).expect("open"));
    let mut read = 0;
    for message in MboxReader::new(open(), DEFAULT_MAX_MESSAGE) {
        message.expect("every generated message reads back");
        read += 1;
    }
    assert_eq!(read, count);

    let mut group = c.benchmark_group("mbox_100mb");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("demail_mbox_reader_split", |b| {
        b.iter(|| {
            let mut total = 0usize;
            for message in MboxReader::new(open(), DEFAULT_MAX_MESSAGE) {
                total += black_box(message.expect("message").data.len());
            }
            total
        })
    });
    group.bench_function("plain_read_floor", |b| {
        b.iter(|| {
            let mut reader = open();
            let mut buffer = vec![0u8; 256 * 1024];
            let mut total = 0usize;
            loop {
                let n = reader.read(&mut buffer).expect("read");
                if n == 0 {
                    break total;
                }
                total += black_box(n);
            }
        })
    });
    group.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, split);
criterion_main!(benches);
