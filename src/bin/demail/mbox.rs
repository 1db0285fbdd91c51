//! `demail mbox export|import|list` (TR 01201-3.4 §3.6): mbox files with the
//! qmail `From_` quoting. `export` prints a JSON report; `list` and `import`
//! stream theirs as JSON Lines (D150): one compact JSON object per message,
//! in mbox order, as soon as the message is read, then one summary line
//! `{"summary": {...}}`; memory is bounded by the largest message, not by
//! the number of messages. A run that stops early (unreadable input) has no
//! summary line. Every record starts with `"schema_version": "1"`
//! (docs/schemas/mbox-list.schema.json, mbox-import.schema.json). Exit codes:
//! 0 done (import: every message valid), 1 import or list found invalid or
//! unreadable messages (each reported with index and byte offset), 2 an
//! input could not be read or is not a mail (export), or usage error.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use serde::Serialize;

use demail::envelope::Envelope;
use demail::fields::MessageType;
use demail::integrity::{Verdict, verify};
use demail::mbox::{
    DEFAULT_MAX_MESSAGE, FromLine, ImportProblem, Imported, MboxError, MboxMessage, MboxReader, MboxWriter,
    import,
};
use demail::trust::VerifyOptions;

use crate::io::{self, CliError};

/// The mbox subcommands.
#[derive(Subcommand)]
pub(crate) enum MboxCommand {
    /// Write messages (RFC 5322 files) into one mbox file.
    ///
    /// Exit code 0: written; 2: a file cannot be read or is not a mail,
    /// or usage error.
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
    ///
    /// Output: JSON Lines, one object per message as it is read
    /// (schema_version, index, offset, size, from_line, subject,
    /// demail_message_id, message_type, valid, integrity {verdict, failure}
    /// or problem {code, message, ...}, file), then a last line
    /// {"summary": {"messages", "valid", "invalid"}}. No summary line means
    /// the run stopped early.
    ///
    /// Exit code 0: every message valid; 1: invalid or unreadable messages
    /// (each reported with index and byte offset); 2: unreadable input or
    /// usage error.
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
    ///
    /// Output: JSON Lines, one object per message as it is read
    /// (schema_version, index, offset, size, from_line, subject,
    /// demail_message_id, message_type; or index, offset, valid false and
    /// problem {code, message, ...}), then a last line
    /// {"summary": {"messages", "problems"}}. No summary line means the run
    /// stopped early.
    ///
    /// Exit code 0: listed; 1: a message is too large or the file is not an
    /// mbox at some offset; 2: unreadable input or usage error.
    List {
        /// The mbox file, or `-` for standard input.
        file: PathBuf,
        /// Largest message in bytes.
        #[arg(long, default_value_t = DEFAULT_MAX_MESSAGE)]
        max_message: usize,
    },
}

/// Runs one mbox subcommand; see the module documentation for exit codes.
pub(crate) fn run(command: &MboxCommand) -> Result<ExitCode, CliError> {
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

fn export(files: &[PathBuf], output: &Path) -> Result<ExitCode, CliError> {
    let write_error = |source| CliError::Write {
        path: output.to_owned(),
        source,
    };
    let file = File::create(output).map_err(write_error)?;
    let mut writer = MboxWriter::new(BufWriter::new(file));
    let mut bytes = 0usize;
    for path in files {
        let message = io::read_input(path)?;
        Envelope::parse(&message).map_err(|e| CliError::invalid(path.display(), e))?;
        writer
            .write_message(&message, &FromLine::for_message(&message))
            .map_err(write_error)?;
        bytes += message.len();
    }
    writer.finish().map_err(write_error)?;
    #[derive(Serialize)]
    struct ExportReport {
        output: String,
        messages: usize,
        message_bytes: usize,
    }
    io::print_json(&ExportReport {
        output: output.display().to_string(),
        messages: files.len(),
        message_bytes: bytes,
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The mbox file streamed, not read whole: its size is bounded by
/// `--max-message` per message, not by the input limit of `io`.
fn open(file: &Path) -> Result<Box<dyn std::io::BufRead>, CliError> {
    if file.as_os_str() == "-" {
        return Ok(Box::new(BufReader::new(std::io::stdin())));
    }
    let opened = File::open(file).map_err(|source| CliError::Read {
        path: file.to_owned(),
        source,
    })?;
    Ok(Box::new(BufReader::with_capacity(256 * 1024, opened)))
}

/// One JSON Lines record of `mbox list` and `mbox import`
/// (docs/schemas/mbox-list.schema.json, mbox-import.schema.json): the
/// message's position and key fields, or the `problem` of a part that is
/// not a message. `valid`, `integrity` and `file` are import's.
#[derive(Serialize)]
struct MessageLine<'m> {
    index: Option<usize>,
    offset: Option<u64>,
    size: Option<usize>,
    from_line: Option<String>,
    subject: Option<String>,
    demail_message_id: Option<String>,
    message_type: Option<MessageType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid: Option<bool>,
    /// The integrity verdict without trust anchors: `{"verdict", "failure"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    integrity: Option<Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<Problem<'m>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
}

/// Why a message is not imported, or a part of the file is not a message.
#[derive(Serialize)]
#[serde(untagged)]
enum Problem<'m> {
    Import(&'m ImportProblem),
    Mbox(&'m MboxError),
}

/// The last record: `{"summary": {...}}`.
#[derive(Serialize)]
struct SummaryLine<T> {
    summary: T,
}

/// Index, offset, size and key fields of a message.
fn describe(message: &MboxMessage) -> MessageLine<'static> {
    let envelope = Envelope::parse(&message.data).ok();
    let metadata = envelope.as_ref().map(Envelope::metadata);
    MessageLine {
        index: Some(message.index),
        offset: Some(message.offset),
        size: Some(message.data.len()),
        from_line: Some(String::from_utf8_lossy(&message.from_line).into_owned()),
        subject: metadata.and_then(|m| m.subject.as_deref()).map(str::to_owned),
        demail_message_id: metadata
            .and_then(|m| m.demail_message_id.as_deref())
            .map(str::to_owned),
        message_type: metadata.and_then(|m| m.message_type),
        valid: None,
        integrity: None,
        problem: None,
        file: None,
    }
}

/// The record of a part that is not a message (too large, not mbox).
fn unreadable(error: &MboxError) -> MessageLine<'_> {
    let index = match error {
        MboxError::MessageTooLarge { index, .. } => Some(*index),
        _ => None,
    };
    MessageLine {
        index,
        offset: error.offset(),
        size: None,
        from_line: None,
        subject: None,
        demail_message_id: None,
        message_type: None,
        valid: Some(false),
        integrity: None,
        problem: Some(Problem::Mbox(error)),
        file: None,
    }
}

fn run_import(file: &Path, output_dir: Option<&PathBuf>, max_message: usize) -> Result<ExitCode, CliError> {
    let reader = open(file)?;
    if let Some(dir) = output_dir {
        std::fs::create_dir_all(dir).map_err(|source| CliError::Write {
            path: dir.clone(),
            source,
        })?;
    }
    let (mut valid, mut invalid) = (0usize, 0usize);
    let mut out = io::JsonLines::stdout();
    for item in import(reader, max_message) {
        match item {
            Imported::Valid(message) => {
                valid += 1;
                out.line(&valid_entry(file, &message, output_dir)?)?;
            }
            Imported::Invalid { message, problem } => {
                invalid += 1;
                let mut entry = describe(&message);
                entry.valid = Some(false);
                entry.problem = Some(Problem::Import(&problem));
                out.line(&entry)?;
            }
            Imported::Unreadable(MboxError::Io(source)) => {
                return Err(CliError::Read {
                    path: file.to_owned(),
                    source,
                });
            }
            Imported::Unreadable(error) => {
                invalid += 1;
                out.line(&unreadable(&error))?;
            }
            _ => {}
        }
    }
    #[derive(Serialize)]
    struct ImportSummary {
        messages: usize,
        valid: usize,
        invalid: usize,
    }
    out.finish(&SummaryLine {
        summary: ImportSummary {
            messages: valid + invalid,
            valid,
            invalid,
        },
    })?;
    Ok(if invalid == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The line of a valid message: its integrity verdict and, with
/// `--output-dir`, the file it was written to.
fn valid_entry(
    file: &Path,
    message: &MboxMessage,
    output_dir: Option<&PathBuf>,
) -> Result<MessageLine<'static>, CliError> {
    let mut entry = describe(message);
    entry.valid = Some(true);
    let envelope = Envelope::parse(&message.data)
        .map_err(|e| CliError::invalid(format!("{} message {}", file.display(), message.index), e))?;
    entry.integrity = Some(verify(&envelope, &VerifyOptions::default()).verdict);
    if let Some(dir) = output_dir {
        let path = dir.join(format!("{:04}.eml", message.index + 1));
        let mut out = File::create(&path).map_err(|source| CliError::Write {
            path: path.clone(),
            source,
        })?;
        demail::mbox::export_plain(&message.data, &mut out)
            .map_err(|e| CliError::invalid(path.display(), e))?;
        entry.file = Some(path.display().to_string());
    }
    Ok(entry)
}

fn list(file: &Path, max_message: usize) -> Result<ExitCode, CliError> {
    let reader = open(file)?;
    let mut out = io::JsonLines::stdout();
    let (mut count, mut problems) = (0usize, 0usize);
    for item in MboxReader::new(reader, max_message) {
        match item {
            Ok(message) => out.line(&describe(&message))?,
            Err(MboxError::Io(source)) => {
                return Err(CliError::Read {
                    path: file.to_owned(),
                    source,
                });
            }
            Err(error) => {
                problems += 1;
                out.line(&unreadable(&error))?;
            }
        }
        count += 1;
    }
    #[derive(Serialize)]
    struct ListSummary {
        messages: usize,
        problems: usize,
    }
    out.finish(&SummaryLine {
        summary: ListSummary {
            messages: count,
            problems,
        },
    })?;
    Ok(if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
