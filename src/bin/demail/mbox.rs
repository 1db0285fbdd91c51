//! `demail mbox export|import|list` (TR 01201-3.4 §3.6): mbox files with the
//! qmail `From_` quoting. Every subcommand prints a JSON report. Exit codes:
//! 0 done (import: every message valid), 1 import or list found invalid or
//! unreadable messages (each reported with index and byte offset), 2 an
//! input could not be read or is not a mail (export), or usage error.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};

use demail::envelope::Envelope;
use demail::integrity::{Verdict, verify};
use demail::mbox::{DEFAULT_MAX_MESSAGE, FromLine, Imported, MboxMessage, MboxReader, MboxWriter, import};
use demail::trust::VerifyOptions;

/// The mbox subcommands.
#[derive(Subcommand)]
pub(crate) enum MboxCommand {
    /// Write messages (RFC 5322 files) into one mbox file.
    Export {
        /// The message files, in order.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The mbox file to write.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Check every message of an mbox file as a De-Mail message and, with
    /// --output-dir, write the valid ones as plain RFC 5322 files.
    Import {
        /// The mbox file, or `-` for standard input.
        file: PathBuf,
        /// Directory for the valid messages (`0001.eml`, ... by position).
        #[arg(long, short = 'd')]
        output_dir: Option<PathBuf>,
        /// Largest message in bytes.
        #[arg(long, default_value_t = DEFAULT_MAX_MESSAGE)]
        max_message: usize,
    },
    /// List the messages of an mbox file with position and key fields.
    List {
        /// The mbox file, or `-` for standard input.
        file: PathBuf,
        /// Largest message in bytes.
        #[arg(long, default_value_t = DEFAULT_MAX_MESSAGE)]
        max_message: usize,
    },
}

/// Runs one mbox subcommand; see the module documentation for exit codes.
pub(crate) fn run(command: &MboxCommand) -> Result<ExitCode, String> {
    match command {
        MboxCommand::Export { files, output } => export(files, output),
        MboxCommand::Import {
            file,
            output_dir,
            max_message,
        } => run_import(file, output_dir.as_ref(), *max_message),
        MboxCommand::List { file, max_message } => list(file, *max_message),
    }
}

fn print(value: &Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| format!("cannot write JSON: {e}"))?;
    println!("{text}");
    Ok(())
}

fn export(files: &[PathBuf], output: &PathBuf) -> Result<ExitCode, String> {
    let file = File::create(output).map_err(|e| format!("cannot create {}: {e}", output.display()))?;
    let mut writer = MboxWriter::new(BufWriter::new(file));
    let mut bytes = 0usize;
    for path in files {
        let message = crate::read_input(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Envelope::parse(&message).map_err(|e| format!("{}: {e}", path.display()))?;
        writer
            .write_message(&message, &FromLine::for_message(&message))
            .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
        bytes += message.len();
    }
    writer
        .finish()
        .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
    print(&json!({
        "output": output.display().to_string(),
        "messages": files.len(),
        "message_bytes": bytes,
    }))?;
    Ok(ExitCode::SUCCESS)
}

fn open(file: &PathBuf) -> Result<Box<dyn std::io::BufRead>, String> {
    if file.as_os_str() == "-" {
        return Ok(Box::new(BufReader::new(std::io::stdin())));
    }
    let opened = File::open(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    Ok(Box::new(BufReader::with_capacity(256 * 1024, opened)))
}

/// Index, offset, size and key fields of a message.
fn describe(message: &MboxMessage) -> Value {
    let envelope = Envelope::parse(&message.data).ok();
    let metadata = envelope.as_ref().map(Envelope::metadata);
    json!({
        "index": message.index,
        "offset": message.offset,
        "size": message.data.len(),
        "from_line": String::from_utf8_lossy(&message.from_line),
        "subject": metadata.and_then(|m| m.subject.as_deref()),
        "demail_message_id": metadata.and_then(|m| m.demail_message_id.as_deref()),
        "message_type": metadata.and_then(|m| m.message_type).map(|t| t.as_str()),
    })
}

fn unreadable(error: &demail::mbox::MboxError) -> Value {
    let (index, offset) = match error {
        demail::mbox::MboxError::MessageTooLarge { index, offset, .. } => (Some(*index), Some(*offset)),
        demail::mbox::MboxError::NotMbox { offset } => (None, Some(*offset)),
        demail::mbox::MboxError::Io(_) => (None, None),
    };
    json!({ "index": index, "offset": offset, "valid": false, "problem": error.to_string() })
}

fn run_import(file: &PathBuf, output_dir: Option<&PathBuf>, max_message: usize) -> Result<ExitCode, String> {
    let reader = open(file)?;
    if let Some(dir) = output_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let (mut valid, mut invalid) = (0usize, 0usize);
    let mut entries = Vec::new();
    for item in import(reader, max_message) {
        match item {
            Imported::Valid(message) => {
                valid += 1;
                let mut entry = describe(&message);
                entry["valid"] = Value::from(true);
                let envelope = Envelope::parse(&message.data).map_err(|e| e.to_string())?;
                entry["integrity"] =
                    Value::from(match verify(&envelope, &VerifyOptions::default()).verdict {
                        Verdict::Pass => "pass".to_owned(),
                        Verdict::SignatureValidUntrusted => "signature valid, signer not trusted".to_owned(),
                        Verdict::Fail(failure) => format!("fail: {failure}"),
                    });
                if let Some(dir) = output_dir {
                    let path = dir.join(format!("{:04}.eml", message.index + 1));
                    let mut out =
                        File::create(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                    demail::mbox::export_plain(&message.data, &mut out)
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                    entry["file"] = Value::from(path.display().to_string());
                }
                entries.push(entry);
            }
            Imported::Invalid { message, problem } => {
                invalid += 1;
                let mut entry = describe(&message);
                entry["valid"] = Value::from(false);
                entry["problem"] = Value::from(problem.to_string());
                entries.push(entry);
            }
            Imported::Unreadable(demail::mbox::MboxError::Io(e)) => {
                return Err(format!("cannot read {}: {e}", file.display()));
            }
            Imported::Unreadable(error) => {
                invalid += 1;
                entries.push(unreadable(&error));
            }
        }
    }
    print(&json!({ "valid": valid, "invalid": invalid, "messages": entries }))?;
    Ok(if invalid == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn list(file: &PathBuf, max_message: usize) -> Result<ExitCode, String> {
    let reader = open(file)?;
    let mut entries = Vec::new();
    let mut problems = 0usize;
    for item in MboxReader::new(reader, max_message) {
        match item {
            Ok(message) => entries.push(describe(&message)),
            Err(demail::mbox::MboxError::Io(e)) => {
                return Err(format!("cannot read {}: {e}", file.display()));
            }
            Err(error) => {
                problems += 1;
                entries.push(unreadable(&error));
            }
        }
    }
    print(&json!({ "count": entries.len(), "messages": entries }))?;
    Ok(if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
