//! `kpilint check PATH…`

use super::baseline::Baseline;
use super::{config, CheckArgs, ColorChoice, Format, EXIT_ERRORS, EXIT_TROUBLE};
use crate::diagnostics::{codes, Diagnostic, Label};
use crate::fix;
use crate::ingest;
use crate::lint::Linter;
use crate::lint::Suppression;
use crate::model::Span;
use crate::output::stream::{Part, Sink};
use crate::output::{self, human, FileReport, RuleInfo, Summary};
use crate::rules::{RuleError, RuleSet, TraceLine};
use crate::spill::{self, Record, Spill};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(args: &CheckArgs) -> ExitCode {
    let (mut linter, fail_on) = match linter(args) {
        Ok(l) => l,
        Err(Setup::Usage(message)) => {
            eprintln!("kpilint: {message}");
            return ExitCode::from(EXIT_TROUBLE);
        }
        Err(Setup::BrokenPacks(reports)) => {
            let style = human::Style {
                color: use_color(args.color),
                width: terminal_width(),
            };
            print!("{}", human::render(&reports, style));
            return ExitCode::from(EXIT_TROUBLE);
        }
    };
    let style = human::Style {
        color: use_color(args.color),
        width: terminal_width(),
    };
    // Every report is written as the run goes and only counts are kept, so memory stays flat
    // however many files there are (the HTML report sorts its forms on disk past a few
    // megabytes, `crate::spill`).
    let sink: Box<dyn Sink + Send + Sync> = match args.format {
        Format::Human => Box::new(human::Stream {
            style,
            quiet: args.quiet,
            statistics: args.statistics.then(|| output::summaries(linter.rules())),
        }),
        Format::Github => Box::new(output::github::Stream::new()),
        Format::Gitlab => Box::new(output::gitlab::Stream::new()),
        Format::Html => match output::html::Stream::new() {
            Ok(s) => Box::new(s),
            Err(e) => return trouble(&e.to_string()),
        },
        Format::Json => Box::new(output::json::Stream::new(output::summaries(linter.rules()))),
        Format::Sarif => Box::new(output::sarif::Stream::new(RuleInfo::all(linter.rules()))),
    };
    linter.keep_rows = sink.rows_drawn();
    let baseline = match args.baseline.as_deref().map(Baseline::open).transpose() {
        Ok(b) => b,
        Err(e) => return trouble(&e),
    };
    // `--diff` prints its diffs before the findings, so the report waits in memory; `-o`
    // writes the report beside its file and puts it in place when it is complete.
    let dest = match (&args.output, args.diff) {
        (Some(path), _) => match fix::AtomicFile::create(path) {
            Ok(f) => Dest::File(f),
            Err(e) => return trouble(&format!("无法写入 {}：{e}", path.display())),
        },
        (None, true) => Dest::Memory(Vec::new()),
        (None, false) => Dest::Stdout(std::io::BufWriter::new(std::io::stdout())),
    };
    let mut run = Run {
        suppressions: &linter.suppressions,
        used: vec![false; linter.suppressions.len()],
        baseline,
        tally: output::Tally::default(),
        sink: std::sync::Arc::new(std::sync::RwLock::new(sink)),
        dest,
        failures: Failures {
            to: args
                .output
                .as_ref()
                .map_or_else(|| "标准输出".to_owned(), |p| p.display().to_string()),
            ..Failures::default()
        },
    };
    let mut rule_errors: BTreeMap<String, RuleError> = BTreeMap::new();
    let mut trace = Vec::new();
    let mut diffs = String::new();
    let listings: Vec<Listing> = args.paths.iter().map(|p| expand(p)).collect();
    let progress = progress_bar(listings.iter().map(Listing::len).sum());
    let files: Box<dyn Iterator<Item = Weighed> + Send> =
        Box::new(listings.into_iter().flatten().map(weighed));
    // Files are linted in parallel as the pool's threads come free, and handled in the order
    // given, so the report is the same whatever the number of threads; only a few files are
    // in flight at once ([`Flight`]).
    let threads = rayon::current_num_threads().max(1);
    // Each file's part of the report is rendered by the thread that linted it (`Sink::render`),
    // when nothing can change a report between its linting and its writing: no suppressions or
    // baseline to filter it, no fix to lint it again, no diff to print from it.
    let prerender =
        !args.fix && !args.diff && linter.suppressions.is_empty() && run.baseline.is_none();
    let sink = std::sync::Arc::clone(&run.sink);
    let linter = &linter;
    // A large file is linted alone: its part would be held whole beside its model, where the
    // writer streams it finding by finding (a 10 MB file's JSON peaked 17 MB higher), and
    // there are no other files' parts to render meanwhile.
    let lint = |path: &Path, size: Option<u64>, weight: Weight, spread: bool| -> Done {
        let linted = linter.lint_path_sized(path, size, weight.together, spread);
        let few = linted.report.diagnostics.len() <= PRERENDERED_FINDINGS;
        let part = (prerender && !weight.alone && few)
            .then(|| sink.read().ok()?.render(&linted.report))
            .flatten();
        match part {
            Some(part) => Done::rendered(linted, part),
            None => Done::Linted(linted),
        }
    };
    let write = |file: &Found, done: Option<Done>| {
        progress.inc(1);
        match (file, done) {
            (
                Ok(_),
                Some(Done::Rendered {
                    part,
                    tally,
                    rule_errors: errors,
                    trace: lines,
                }),
            ) => {
                progress.suspend(|| run.rendered(part, tally));
                keep_rule_output(errors, lines, &mut rule_errors, &mut trace);
            }
            (Ok(file), Some(Done::Linted(mut linted))) => {
                if args.diff && linted.report.document.is_text_file() {
                    let edits = fix::planned(&linted.report.diagnostics);
                    if !edits.is_empty() {
                        let fixed = fix::apply(&linted.report.document.text, &edits);
                        diffs.push_str(&fix::diff(&linted.report.document, &fixed));
                    }
                }
                if args.fix {
                    match fix::fix_file(file, &linted.report.document, &linted.report.diagnostics) {
                        fix::Outcome::Fixed(n) => {
                            eprintln!("kpilint: {}：已修复 {n} 处", file.display());
                            // Report what is left.
                            linted = linter.lint_path(file);
                        }
                        fix::Outcome::Refused(why) => {
                            eprintln!("kpilint: {}：未修复：{why}", file.display())
                        }
                        fix::Outcome::Nothing => {}
                    }
                }
                progress.suspend(|| run.file(linted.report, Filter::All));
                keep_rule_output(
                    linted.rule_errors,
                    linted.trace,
                    &mut rule_errors,
                    &mut trace,
                );
            }
            (Err(refused), _) => {
                let report = unreadable(refused);
                progress.suspend(|| run.file(report, Filter::All));
            }
            (Ok(_), None) => unreachable!("every readable path is linted"),
        }
    };
    // Each file is written as soon as it and the files before it are back, by the thread
    // that linted the last of them, which then lets in the files that fit in its place: no
    // thread waits for another's file, and none waits for the report to be written but to
    // take its turn at writing. Windows of files linted together, then written on this
    // thread, left the threads idle 5% of the time on files of a hundred forms and 10% on
    // files of one; a writer here, woken as files came back, took its turns on the cores from
    // the threads that lint (docs/performance.md, sixty-seventh session).
    let pipeline = Pipeline {
        pump: std::sync::Mutex::new(Pump {
            files: files.peekable(),
            flight: Flight::new(threads),
            queue: std::collections::VecDeque::new(),
            first: 0,
            writing: false,
        }),
        writer: std::sync::Mutex::new(Writer {
            write: Box::new(write),
            workbooks: WorkbookBytes::default(),
        }),
        lint: &lint,
    };
    loop {
        rayon::in_place_scope(|scope| pipeline.turn(scope, None));
        // The files in flight stop short of a large file, which is linted alone, every thread
        // on its forms, and written here (as a file of the pool's threads, its report was
        // dropped among its model's blocks, and the 10 MB file with a finding on every row
        // peaked 1–2 MB higher with the HTML report).
        let (found, size, weight) = {
            let mut p = lock(&pipeline.pump);
            let Some((found, size)) = p.files.next() else {
                break;
            };
            // Nothing is in flight: the next file let in comes after this one.
            p.first += 1;
            let weight = p.flight.weigh(size);
            (found, size, weight)
        };
        // On the pool's threads: rayon runs a parallel iterator it does not split on the
        // thread that asked, here outside the pool, and a large file's forms were then read
        // on the pool's threads and let go on this one, so the readers' caches of freed
        // blocks stayed empty and this thread's full (`crate::alloc`; one thread over three
        // large files, some 15% of the time).
        let done = match &found {
            Ok(path) => Some(rayon::scope(|_| lint(path, size, weight, true))),
            Err(_) => None,
        };
        (lock(&pipeline.writer).write)(&found, done);
        // Its memos and freed blocks are handed back before the next file, see
        // `crate::alloc`.
        rayon::broadcast(|_| {
            crate::value::forget_remembered();
            crate::rules::verdict::forget();
            crate::alloc::hand_back_cached();
        });
        crate::alloc::release_free_memory();
    }
    drop(pipeline);
    // The report's last user besides `run`, which closes it.
    drop(sink);
    progress.finish_and_clear();
    // What is left follows the files: suppressions that matched nothing, rules that failed.
    if let Some(r) = unused_suppressions(
        &linter.suppressions,
        &run.used,
        linter.config_document.as_ref(),
    ) {
        run.file(r, Filter::Baseline);
    }
    let mut pack_reports: Vec<FileReport> = Vec::new();
    for e in rule_errors.into_values() {
        let Some(pack) = linter.rules().packs.iter().find(|p| p.name == e.pack) else {
            continue;
        };
        match pack_reports
            .iter_mut()
            .find(|r| r.document.path == pack.document.path)
        {
            Some(r) => r.diagnostics.push(e.diagnostic),
            None => pack_reports.push(FileReport {
                document: pack.document.clone(),
                diagnostics: vec![e.diagnostic].into(),
                unreadable: false,
            }),
        }
    }
    let rules_failed = !pack_reports.is_empty();
    for r in pack_reports {
        // A rule that failed is not a finding a baseline can accept.
        run.file(r, Filter::None);
    }
    if args.format == Format::Human && !args.quiet {
        let text = trace_text(args.trace.as_deref(), &trace);
        run.write(|out| out.write_all(text.as_bytes()));
    }
    let summary = run.tally.summary;
    if let Err(e) = run.finish(args, &diffs) {
        return trouble(&e);
    }
    if rules_failed {
        return ExitCode::from(EXIT_TROUBLE);
    }
    exit_code(&summary, fail_on)
}

/// Input bytes the files in flight (linted, or linted and waiting to be written) may hold. A
/// file's model and findings take a few times its text.
const FLIGHT_BYTES: u64 = 8 << 20;

/// A file over this is linted alone, every thread on its forms (`ingest::text` reads them in
/// parallel, the engine runs rules on them in parallel), and what it freed is handed back
/// before the next (`crate::alloc`).
const LARGE_FILE_BYTES: u64 = FLIGHT_BYTES / 2;

/// Files in flight a thread, for files of ordinary size (the generated corpus's files of a
/// hundred forms are 300 KB).
const FILES_PER_THREAD: usize = 4;

/// Files in flight a thread, for small files: one form a file is the usual layout, and a
/// file's set-up and turn at writing are most of what it costs, so more of them are in
/// flight to keep the pool's threads busy. They hold little: [`SMALL_FILE_BYTES`] each at most.
const SMALL_FILES_PER_THREAD: usize = 32;

/// A file of at most this is small ([`SMALL_FILES_PER_THREAD`]): a form is some 3 KB, and 64
/// such files hold at most a megabyte.
const SMALL_FILE_BYTES: u64 = 16 << 10;

/// Findings a file's part rendered ahead may hold: a part is held whole until its turn to be
/// written, and twenty half-megabyte files with a finding on every row (10,000 each, some 7 MB of
/// JSON a file) held 136 MB in a window of eight. A file of more is written finding by finding
/// as its turn comes, from findings held up to its share of `Linter::findings_budget` and set
/// aside past it. A file of the generated corpus (100 forms) has some 800.
const PRERENDERED_FINDINGS: usize = 2_000;

/// What a file takes of the room in flight ([`Flight`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Weight {
    bytes: u64,
    /// Its share of the files in flight, in units of which [`Flight`] has
    /// `SMALL_FILES_PER_THREAD` a thread.
    units: usize,
    /// Linted with nothing else in flight.
    alone: bool,
    /// How many files of its weight fill the room: its findings get that share of
    /// `Linter::findings_budget`, so the files in flight never hold more than the budget.
    together: usize,
}

/// The files in flight, and the room they take: a large file alone, else files of ordinary
/// size up to [`FILES_PER_THREAD`] a thread and small ones up to [`SMALL_FILES_PER_THREAD`],
/// within [`FLIGHT_BYTES`] together. The first file is let in whatever its size.
#[derive(Debug)]
struct Flight {
    room: usize,
    units: usize,
    bytes: u64,
}

impl Flight {
    fn new(threads: usize) -> Flight {
        Flight {
            room: threads.max(1) * SMALL_FILES_PER_THREAD,
            units: 0,
            bytes: 0,
        }
    }

    /// The weight of a file of `size` bytes (an unknown size counts no bytes, as an unreadable
    /// entry's: it is only named in the report).
    fn weigh(&self, size: Option<u64>) -> Weight {
        let bytes = size.unwrap_or(0);
        let units = if bytes > LARGE_FILE_BYTES {
            self.room
        } else if bytes > SMALL_FILE_BYTES {
            SMALL_FILES_PER_THREAD / FILES_PER_THREAD
        } else {
            1
        };
        Weight {
            bytes,
            units,
            alone: bytes > LARGE_FILE_BYTES,
            together: self.room / units,
        }
    }

    fn admits(&self, w: Weight) -> bool {
        self.units == 0
            || (self.units + w.units <= self.room && self.bytes + w.bytes <= FLIGHT_BYTES)
    }

    fn take(&mut self, w: Weight) {
        self.units += w.units;
        self.bytes += w.bytes;
    }

    fn give_back(&mut self, w: Weight) {
        self.units -= w.units;
        self.bytes -= w.bytes;
    }
}

/// A file in flight, in the order of the run.
struct InFlight {
    found: Found,
    weight: Weight,
    /// Still being linted on the pool: `done` is not there yet.
    linting: bool,
    done: Option<Back>,
}

/// A file linted, or the panic that stopped it (a bug outside the linter's own guard, in
/// rendering say), to be raised where the file is written.
type Back = std::thread::Result<Done>;

/// The files of the run in flight, written in run order by whichever thread finds them back.
///
/// One thread at a time writes (`Pump::writing`), and it writes with the files in flight
/// free to come back: writing may itself run work on the pool (`--fix` lints a file again),
/// and a thread waiting for that work runs other jobs meanwhile, the end of another file's
/// among them, which must not wait for the writer.
struct Pipeline<'a> {
    pump: std::sync::Mutex<Pump<'a>>,
    writer: std::sync::Mutex<Writer<'a>>,
    lint: &'a LintFile<'a>,
}

/// The files not yet let in and the files in flight.
struct Pump<'a> {
    files: std::iter::Peekable<Box<dyn Iterator<Item = Weighed> + Send + 'a>>,
    flight: Flight,
    /// The files in flight, in run order, and the run-order number of the first.
    queue: std::collections::VecDeque<InFlight>,
    first: usize,
    /// A thread is writing: files that come back are left for it.
    writing: bool,
}

/// Lints a file, its forms spread over the pool's threads if the `bool` says so.
type LintFile<'a> = dyn Fn(&Path, Option<u64>, Weight, bool) -> Done + Sync + 'a;

/// Writes a file's part of the report (`None` for an entry that names no file to lint).
type WriteFile<'a> = Box<dyn FnMut(&Found, Option<Done>) + Send + 'a>;

/// The report, which the thread writing holds.
struct Writer<'a> {
    write: WriteFile<'a>,
    workbooks: WorkbookBytes,
}

impl<'a> Pipeline<'a> {
    /// Hands back the file that came `back` (the `usize` is its place in the run); then, unless
    /// another thread is writing, writes the files at the head of the run that are back,
    /// letting in the files that fit as room is made.
    fn turn<'s>(&'s self, scope: &rayon::Scope<'s>, mut back: Option<(usize, Back)>)
    where
        'a: 's,
    {
        let mut written: Vec<Weight> = Vec::new();
        let mut holding = false;
        loop {
            let ready = {
                let mut p = lock(&self.pump);
                if let Some((at, done)) = back.take() {
                    let first = p.first;
                    let file = &mut p.queue[at - first];
                    file.done = Some(done);
                    file.linting = false;
                }
                if !holding {
                    if p.writing {
                        return;
                    }
                    p.writing = true;
                    holding = true;
                }
                for w in written.drain(..) {
                    p.flight.give_back(w);
                }
                self.let_in(&mut p, scope);
                let mut ready = Vec::new();
                while p.queue.front().is_some_and(|f| !f.linting) {
                    ready.push(p.queue.pop_front().expect("a head"));
                    p.first += 1;
                }
                if ready.is_empty() {
                    p.writing = false;
                    return;
                }
                ready
            };
            let mut w = lock(&self.writer);
            for InFlight {
                found,
                weight,
                done,
                ..
            } in ready
            {
                let done = done.map(|d| d.unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
                (w.write)(&found, done);
                if w.workbooks.read(&found, weight.bytes) {
                    crate::alloc::release_free_memory();
                }
                written.push(weight);
            }
        }
    }

    /// Lets in the files that fit, sending each to be linted on the pool. An entry that names
    /// no file to lint is back as soon as it is let in.
    fn let_in<'s>(&'s self, p: &mut Pump<'a>, scope: &rayon::Scope<'s>)
    where
        'a: 's,
    {
        while let Some((_, size)) = p.files.peek() {
            let weight = p.flight.weigh(*size);
            // A large file waits for the files before it to be written, and is linted alone
            // (`run`).
            if weight.alone || !p.flight.admits(weight) {
                break;
            }
            let (found, size) = p.files.next().expect("peeked");
            let at = p.first + p.queue.len();
            // A file with none in flight beside it and none to follow (one file, the run's
            // last) has the pool's threads to itself; any other is linted on one of them.
            let spread = p.queue.is_empty() && p.files.peek().is_none();
            let linting = match &found {
                Ok(path) => {
                    let path = path.clone();
                    scope.spawn(move |scope| {
                        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            (self.lint)(&path, size, weight, spread)
                        }));
                        self.turn(scope, Some((at, done)));
                    });
                    true
                }
                Err(_) => false,
            };
            p.flight.take(weight);
            p.queue.push_back(InFlight {
                found,
                weight,
                linting,
                done: None,
            });
        }
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Workbook bytes read since freed memory was last handed back to the system. Reading a
/// workbook (unzipping it, parsing its XML) scatters blocks of every size through the threads'
/// heaps, between the blocks the run keeps from file to file (the memos of values and
/// verdicts): glibc reuses little of that room, and one-form workbooks held more memory the
/// more of them a run read (33 MB after 2,000, 38 MB after 10,000, 44 MB after 30,000; text
/// files of one form stay at 19 MB after 100,000). Handing it back after every
/// [`TRIM_AFTER_WORKBOOK_BYTES`] holds the peak where the memos' bounds put it: 24 MB after
/// 2,000 files, 28–30 MB from 10,000 on, 28 MB after 60,000 (docs/performance.md, sixtieth
/// session). Text files are left alone: their heaps do not grow, and each hand-back costs the
/// next files page faults.
#[derive(Debug, Default)]
struct WorkbookBytes(u64);

/// Some 300 one-form workbooks, or a few larger ones. After every window of one-form
/// workbooks (64 files, 0.45 MB, on two threads) the peak was as flat, at nearly twice the
/// page faults again; after every eight windows it still grew (29.7 MB after 10,000 files,
/// 31.4 MB after 30,000).
const TRIM_AFTER_WORKBOOK_BYTES: u64 = 2 << 20;

impl WorkbookBytes {
    /// Counts a file just written, of `bytes`: whether the workbooks' memory is due back.
    fn read(&mut self, file: &Found, bytes: u64) -> bool {
        if file
            .as_ref()
            .is_ok_and(|p| ingest::is_workbook(&p.to_string_lossy()))
        {
            self.0 += bytes;
        }
        let due = self.0 >= TRIM_AFTER_WORKBOOK_BYTES;
        if due {
            self.0 = 0;
        }
        due
    }
}

/// A file of the run and, if it is a regular file, its size: asked for once, when the file is
/// first looked at to be let in, and handed to the reader, which would otherwise ask again.
type Weighed = (Found, Option<u64>);

fn weighed(found: Found) -> Weighed {
    let size = found
        .as_ref()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len());
    (found, size)
}

/// A file linted. With nothing to filter its findings, the thread that linted it also renders
/// its part of the report and drops the file's model there: only the part and the counts come
/// back, less than the model they replace.
enum Done {
    Linted(crate::lint::Linted),
    Rendered {
        part: Part,
        tally: output::Tally,
        rule_errors: Vec<RuleError>,
        trace: Vec<TraceLine>,
    },
}

impl Done {
    fn rendered(linted: crate::lint::Linted, part: Part) -> Done {
        let mut tally = output::Tally::default();
        tally.add(&linted.report);
        Done::Rendered {
            part,
            tally,
            rule_errors: linted.rule_errors,
            trace: linted.trace,
        }
    }
}

/// What a file's run gives besides its findings: the rules that failed on it (each reported
/// once, for the first file it failed on) and its `--trace` lines.
fn keep_rule_output(
    errors: Vec<RuleError>,
    lines: Vec<TraceLine>,
    rule_errors: &mut BTreeMap<String, RuleError>,
    trace: &mut Vec<TraceLine>,
) {
    for e in errors {
        rule_errors.entry(e.code.clone()).or_insert(e);
    }
    trace.extend(lines);
}

fn trouble(message: &str) -> ExitCode {
    eprintln!("kpilint: {message}");
    ExitCode::from(EXIT_TROUBLE)
}

/// What went wrong writing the report or the baseline: the run goes on, and says so at the
/// end (the first message).
#[derive(Default)]
struct Failures {
    /// Where the report goes, to name in the message.
    to: String,
    first: Option<String>,
    /// The report itself is incomplete, so `-o` must not put it in place.
    report_broken: bool,
}

impl Failures {
    /// A closed pipe (`| head`) is the reader leaving, not an error worth reporting.
    fn report(&mut self, e: &std::io::Error) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            self.report_broken = true;
            let to = &self.to;
            self.first
                .get_or_insert_with(|| format!("无法把报告写到 {to}：{e}"));
        }
    }

    fn other(&mut self, message: String) {
        self.first.get_or_insert(message);
    }
}

/// Where the report goes.
enum Dest {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    Memory(Vec<u8>),
    File(fix::AtomicFile),
}

impl Dest {
    fn writer(&mut self) -> &mut dyn Write {
        match self {
            Dest::Stdout(w) => w,
            Dest::Memory(v) => v,
            Dest::File(f) => f,
        }
    }
}

/// The report as the run goes: each file's findings pass the suppressions and the baseline,
/// are counted, and go to the report.
struct Run<'a> {
    suppressions: &'a [Suppression],
    used: Vec<bool>,
    baseline: Option<Baseline>,
    tally: output::Tally,
    /// Written here, rendered on the threads that lint ([`Sink::render`]).
    sink: std::sync::Arc<std::sync::RwLock<Box<dyn Sink + Send + Sync>>>,
    dest: Dest,
    failures: Failures,
}

/// What a report passes through on its way out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Filter {
    /// A linted file: the suppressions of `kpilint.toml`, then the baseline.
    All,
    /// The suppressions that matched nothing: a baseline can accept them, they cannot.
    Baseline,
    /// Rules that failed: neither can accept them.
    None,
}

impl Run<'_> {
    fn file(&mut self, mut report: FileReport, filter: Filter) {
        if filter == Filter::All {
            crate::lint::suppress(self.suppressions, &mut self.used, &mut report);
        }
        if let (Some(b), Filter::All | Filter::Baseline) = (&mut self.baseline, filter) {
            if let Err(e) = b.apply(&mut report) {
                self.failures.other(e);
            }
        }
        self.tally.add(&report);
        let pushed = written(&self.sink).push(report, self.dest.writer());
        if let Err(e) = pushed {
            self.failures.report(&e);
        }
    }

    /// [`Run::file`] for a file's part rendered ahead and its counts, which no filter may
    /// change (see `prerender`).
    fn rendered(&mut self, part: Part, tally: output::Tally) {
        debug_assert!(self.suppressions.is_empty() && self.baseline.is_none());
        self.tally.merge(tally);
        let pushed = written(&self.sink).push_part(part, self.dest.writer());
        if let Err(e) = pushed {
            self.failures.report(&e);
        }
    }

    fn write(&mut self, f: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) {
        if let Err(e) = f(self.dest.writer()) {
            self.failures.report(&e);
        }
    }

    /// Closes the report, puts `-o` and a recorded baseline in place, and prints `--diff`.
    fn finish(self, args: &CheckArgs, diffs: &str) -> Result<(), String> {
        let Run {
            baseline,
            tally,
            sink,
            mut dest,
            mut failures,
            ..
        } = self;
        let sink = match std::sync::Arc::try_unwrap(sink) {
            Ok(lock) => lock
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
            Err(_) => unreachable!("the threads that render parts are done"),
        };
        if let Err(e) = sink.finish(&tally, dest.writer()) {
            failures.report(&e);
        }
        if let (Some(b), Some(path)) = (baseline, &args.baseline) {
            if let Err(e) = b.finish(path) {
                failures.other(e);
            }
        }
        match dest {
            Dest::Stdout(mut w) => {
                if let Err(e) = w.flush() {
                    failures.report(&e);
                }
            }
            Dest::Memory(v) => {
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(diffs.as_bytes());
                let _ = stdout.write_all(&v);
                let _ = stdout.flush();
            }
            // A report that could not be written whole is not put in place.
            Dest::File(f) if !failures.report_broken => {
                let path = args.output.as_deref().expect("-o names the file");
                match f.commit(|| Ok(())) {
                    Err(e) => failures.other(format!("无法写入 {}：{e}", path.display())),
                    Ok(()) if args.format != Format::Human => eprintln!(
                        "kpilint: 报告已写入 {}（{}）",
                        path.display(),
                        human::summary_line(&tally.summary).trim_end()
                    ),
                    Ok(()) => {}
                }
            }
            Dest::File(_) => {}
        }
        failures.first.map_or(Ok(()), Err)
    }
}

/// The report, to write to: the threads that render parts ahead only read it.
fn written(
    sink: &std::sync::RwLock<Box<dyn Sink + Send + Sync>>,
) -> std::sync::RwLockWriteGuard<'_, Box<dyn Sink + Send + Sync>> {
    sink.write()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

enum Setup {
    Usage(String),
    BrokenPacks(Vec<FileReport>),
}

/// The linter the arguments and `kpilint.toml` ask for, and when the run fails.
fn linter(args: &CheckArgs) -> Result<(Linter, config::FailOn), Setup> {
    let cfg = if args.no_config {
        config::Config::default()
    } else {
        let found = match &args.config {
            Some(p) => Some(p.clone()),
            None => {
                let start = args
                    .paths
                    .first()
                    .cloned()
                    .unwrap_or_else(|| PathBuf::from("."));
                config::find(&start)
            }
        };
        match found {
            Some(p) => config::load(&p).map_err(Setup::Usage)?,
            None => config::Config::default(),
        }
    };
    let mut rules = RuleSet::builtin();
    let extra: Vec<PathBuf> = cfg
        .rules
        .iter()
        .map(|r| cfg.dir.join(r))
        .chain(args.packs.iter().cloned())
        .collect();
    for path in pack_files(&extra).map_err(Setup::Usage)? {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Setup::Usage(format!("无法读取规则包 {}：{e}", path.display())))?;
        rules.add(&path.display().to_string(), &text);
    }
    if !rules.broken.is_empty() {
        return Err(Setup::BrokenPacks(FileReport::broken_packs(&mut rules)));
    }
    // The file's own settings first, so that what is wrong there is said with its name.
    if let Some(path) = &cfg.path {
        let own = cfg
            .settings(&[], &[], &[])
            .map(|own| crate::lint::settings_problem(&rules, &own));
        if let Err(problem) | Ok(Some(problem)) = own {
            return Err(Setup::Usage(format!("{}：{problem}", path.display())));
        }
    }
    let settings = cfg
        .settings(&args.select, &args.ignore, &args.severity)
        .map_err(Setup::Usage)?;
    if let Some(problem) = crate::lint::settings_problem(&rules, &settings) {
        return Err(Setup::Usage(problem));
    }
    if let Some(t) = &args.trace {
        if rules.rule(t).is_none() {
            return Err(Setup::Usage(format!("--trace：没有规则 {t}")));
        }
    }
    let mut l = Linter::new(rules, settings);
    l.trace = args.trace.clone();
    l.suppressions = cfg.suppress.clone();
    l.config_document = cfg.path.as_ref().and_then(|p| {
        let text = std::fs::read_to_string(p).ok()?;
        Some(crate::rules::pack::empty_document(
            &p.display().to_string(),
            &text,
        ))
    });
    Ok((l, args.fail_on.or(cfg.fail_on).unwrap_or_default()))
}

/// The suppressions that matched nothing, reported against `kpilint.toml`.
fn unused_suppressions(
    list: &[Suppression],
    used: &[bool],
    config: Option<&crate::model::Document>,
) -> Option<FileReport> {
    if list.is_empty() {
        return None;
    }
    let doc = config?.clone();
    let diagnostics: Vec<Diagnostic> = list
        .iter()
        .zip(used)
        .filter(|(_, u)| !**u)
        .map(|(s, _)| {
            let at = doc
                .text
                .find(&s.form)
                .map_or(Span::empty(0), |i| Span::new(i, i + s.form.len()));
            Diagnostic::new(
                &codes::UNUSED_SUPPRESSION,
                format!("对 {}（{}）的抑制没有匹配任何发现", s.code, s.form),
                Label::new(at, "这条抑制"),
            )
        })
        .collect();
    (!diagnostics.is_empty()).then_some(FileReport {
        document: doc,
        diagnostics: diagnostics.into(),
        unreadable: false,
    })
}

/// Pack files: files as given, folders walked for .yaml/.yml, sorted.
pub fn pack_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(p)
                .sort_by_file_name()
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .map(walkdir::DirEntry::into_path)
                .filter(|f| matches!(f.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")))
                .collect();
            out.append(&mut found);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(format!("规则包不存在：{}", p.display()));
        }
    }
    Ok(out)
}

fn trace_text(code: Option<&str>, trace: &[TraceLine]) -> String {
    let Some(code) = code else {
        return String::new();
    };
    let mut s = format!("\n{code} 的逐表判断（{} 处）：\n", trace.len());
    for t in trace {
        // Items outside any form (tables, prose) have no form to name.
        let form = t
            .form
            .as_ref()
            .map(|f| format!("{f} · "))
            .unwrap_or_default();
        s.push_str(&format!(
            "  {} · {form}{}：{}\n",
            t.place, t.item, t.outcome
        ));
        for (k, v) in &t.values {
            s.push_str(&format!("      {k} = {v}\n"));
        }
    }
    s.push('\n');
    s
}

pub fn exit_code(s: &Summary, fail_on: config::FailOn) -> ExitCode {
    if s.unreadable > 0 {
        ExitCode::from(EXIT_TROUBLE)
    } else if fail_on.fails(s) {
        ExitCode::from(EXIT_ERRORS)
    } else {
        ExitCode::SUCCESS
    }
}

/// Lints every file named or found under the folders named, with the built-in rules.
pub fn lint_paths(paths: &[PathBuf]) -> Vec<FileReport> {
    let linter = Linter::new(RuleSet::builtin(), Default::default());
    let mut reports = Vec::new();
    for path in paths {
        for file in expand(path) {
            reports.push(match file {
                Ok(file) => linter.lint_path(&file).report,
                Err(refused) => unreadable(&refused),
            });
        }
    }
    reports
}

/// Lints one file with the built-in rules.
pub fn lint_file(path: &Path) -> FileReport {
    Linter::new(RuleSet::builtin(), Default::default())
        .lint_path(path)
        .report
}

fn unreadable(refused: &Refused) -> FileReport {
    let mut ing = ingest::read_bytes(&refused.path.display().to_string(), b"");
    let mut d = Diagnostic::new(
        refused.code,
        refused.message.clone(),
        Label::new(Span::empty(0), refused.what),
    );
    if let Some(help) = refused.help {
        d = d.with_help(help);
    }
    ing.diagnostics = vec![d];
    FileReport {
        document: ing.document,
        diagnostics: ing.diagnostics.into(),
        unreadable: true,
    }
}

pub(super) type Found = Result<PathBuf, Refused>;

/// A path named or met that gives no file to lint, and why.
#[derive(Debug)]
pub(super) struct Refused {
    pub path: PathBuf,
    pub code: &'static codes::Code,
    pub message: String,
    /// What the path is, for the finding's label: `文件` or `目录`.
    pub what: &'static str,
    /// How to fix it, when the code's own help is about something else.
    pub help: Option<&'static str>,
}

impl Refused {
    /// A folder that gives no file to lint.
    fn folder(path: &Path, code: &'static codes::Code, message: String) -> Refused {
        Refused {
            path: path.to_path_buf(),
            code,
            message,
            what: "目录",
            help: None,
        }
    }

    /// A folder whose listing could not be set aside on disk or read back: the code's own help
    /// (check the path and its permissions) is about the folder, not the temporary file.
    fn listing_lost(path: &Path, message: String) -> Refused {
        Refused {
            help: Some(
                "文件很多时，kpilint 把目录的文件清单暂存在临时目录中：检查临时目录（TMPDIR，Windows 上为 TEMP）是否可写、磁盘是否已满",
            ),
            ..Refused::folder(path, &codes::UNREADABLE, message)
        }
    }
}

/// How many other extensions a finding on an empty folder names.
const SKIPPED_NAMED: usize = 5;

/// The files a path names: a file as itself; a folder as the form files below it, in their
/// names' order (a folder's files where the folder's name sorts), links followed.
///
/// A province's forms are often one file each, and a run may name millions. A `PathBuf` and
/// walkdir's sorted entry for each file took some 170 bytes a file (170 MB for a million,
/// against a 64 MB budget for the whole run); kept back to back, 27 bytes a file, which still
/// grew with their number. The walk is unsorted, and the files' paths below the folder are
/// held up to a few megabytes, then set aside on disk and merged back in order as the run
/// reads them ([`crate::spill`]): memory no longer grows with the number of files.
pub(super) struct Listing {
    root: PathBuf,
    entries: Spill<Entry>,
    /// The entries that give no file to lint (they are few), by [`Entry::refused`].
    refused: Vec<Option<Refused>>,
}

/// A file below a listing's folder: its path below it, as bytes (a path named on its own:
/// empty), and the index of its refusal if it is one.
struct Entry {
    below: Box<[u8]>,
    refused: Option<u32>,
}

impl Record for Entry {
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.refused.map_or(u32::MAX, |i| i).to_le_bytes());
        out.extend_from_slice(&self.below);
    }

    fn read(bytes: &[u8]) -> Entry {
        let refused = u32::from_le_bytes(bytes[..4].try_into().expect("4 bytes"));
        Entry {
            below: bytes[4..].into(),
            refused: (refused != u32::MAX).then_some(refused),
        }
    }

    fn weight(&self) -> usize {
        // The entry, its path, and what the allocator adds to a small block.
        std::mem::size_of::<Entry>() + self.below.len() + 16
    }
}

impl Listing {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    fn new(root: &Path, held: usize) -> Listing {
        Listing {
            root: root.to_path_buf(),
            entries: Spill::new(held),
            refused: Vec::new(),
        }
    }

    fn single(root: &Path, refused: Option<Refused>) -> Listing {
        let mut listing = Listing::new(root, usize::MAX);
        // Held in memory: nothing can fail.
        let _ = listing.push(root, refused);
        listing
    }

    /// Adds `path` (below `root`, as walkdir gives it) as the next entry.
    fn push(&mut self, path: &Path, refused: Option<Refused>) -> std::io::Result<()> {
        let below = below_root(&self.root, path);
        let refused = match refused {
            Some(r) => {
                self.refused.push(Some(r));
                Some(u32::try_from(self.refused.len() - 1).map_err(std::io::Error::other)?)
            }
            None => None,
        };
        self.entries.push(Entry {
            below: below.into(),
            refused,
        })
    }
}

/// `path` below `root`, as bytes ([`Path::strip_prefix`]'s). Walkdir makes each path by
/// joining names onto the root, so its bytes start with the root's and a separator: cut there,
/// not compared component by component (parsing both paths was some 1,200 instructions a
/// file, on the thread that lists the files while the others wait). A path not of that shape
/// is stripped by its components, as before.
fn below_root<'p>(root: &Path, path: &'p Path) -> &'p [u8] {
    let (r, p) = (
        root.as_os_str().as_encoded_bytes(),
        path.as_os_str().as_encoded_bytes(),
    );
    let rest = p.strip_prefix(r).and_then(|rest| match rest.split_first() {
        Some((&sep, name)) if std::path::is_separator(char::from(sep)) && !r.is_empty() => {
            Some(name)
        }
        _ => None,
    });
    match rest {
        Some(name) if clean(name) => name,
        _ => path
            .strip_prefix(root)
            .unwrap_or(path)
            .as_os_str()
            .as_encoded_bytes(),
    }
}

/// Whether `name` is a plain relative path: no empty part (two separators in a row), no `.`
/// or `..` part, nothing [`Path::strip_prefix`] would read differently from its bytes.
fn clean(name: &[u8]) -> bool {
    name.split(|&b| std::path::is_separator(char::from(b)))
        .all(|part| !part.is_empty() && part != b"." && part != b"..")
}

/// What a listing's entry gives: its file, or why there is none. Each entry is handed out
/// once, so its refusal is taken, not copied.
fn found(root: &Path, refused: &mut [Option<Refused>], e: Entry) -> Found {
    if let Some(r) = e.refused.and_then(|i| refused.get_mut(i as usize)?.take()) {
        return Err(r);
    }
    if e.below.is_empty() {
        return Ok(root.to_path_buf());
    }
    Ok(root.join(os_str(&e.below)))
}

/// The name whose `as_encoded_bytes` these are: on Unix, any bytes are a name.
#[cfg(unix)]
fn os_str(bytes: &[u8]) -> &std::ffi::OsStr {
    std::os::unix::ffi::OsStrExt::from_bytes(bytes)
}

/// The name whose `as_encoded_bytes` these are: elsewhere a name is UTF-8 but for the rare
/// one that is not (Windows keeps unpaired surrogates).
#[cfg(not(unix))]
fn os_str(bytes: &[u8]) -> &std::ffi::OsStr {
    match std::str::from_utf8(bytes) {
        Ok(name) => std::ffi::OsStr::new(name),
        // SAFETY: the bytes are a whole `OsStr`'s `as_encoded_bytes`, unchanged: taken in this
        // process and, when set aside, read back from its own temporary file.
        Err(_) => unsafe { std::ffi::OsStr::from_encoded_bytes_unchecked(bytes) },
    }
}

impl IntoIterator for Listing {
    type Item = Found;
    type IntoIter = Box<dyn Iterator<Item = Found> + Send>;

    fn into_iter(self) -> Self::IntoIter {
        let Listing {
            root,
            entries,
            mut refused,
        } = self;
        // Reading the set-aside entries back can fail (the disk, the temporary file): the
        // folder is then reported, once, and its remaining files are not linted.
        let trouble = |root: &Path, e: std::io::Error| {
            Refused::listing_lost(root, format!("无法读回目录的文件清单（临时文件）：{e}"))
        };
        match entries.sorted_by(|a, b| walk_order(&a.below, &b.below)) {
            Ok(sorted) => {
                let mut failed = false;
                Box::new(sorted.map_while(move |e| {
                    (!failed).then(|| match e {
                        Ok(e) => found(&root, &mut refused, e),
                        Err(e) => {
                            failed = true;
                            Err(trouble(&root, e))
                        }
                    })
                }))
            }
            Err(e) => Box::new(std::iter::once(Err(trouble(&root, e)))),
        }
    }
}

/// The order of two paths below one folder, as walking it with each folder's entries sorted
/// by name gives them: byte by byte, with the separator before every other byte (`a/x.txt`,
/// a file in folder `a`, comes before `a b.txt`, as folder `a` does).
fn walk_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let key = |c: u8| {
        if std::path::is_separator(char::from(c)) {
            0
        } else {
            c
        }
    };
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => key(a[i]).cmp(&key(b[i])),
        None => a.len().cmp(&b.len()),
    }
}

/// The files `path` names (see [`Listing`]).
pub(super) fn expand(path: &Path) -> Listing {
    list(super::named(path), spill::BUDGET)
}

/// [`expand`], holding up to `held` bytes of entries in memory at a time.
fn list(path: &Path, held: usize) -> Listing {
    if !path.is_dir() {
        return Listing::single(path, None);
    }
    let mut listing = Listing::new(path, held);
    // The files passed over, by extension: a folder of Word or PDF forms lints nothing, and
    // must say so rather than pass a CI run green.
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    // Links are followed, so a link to a form is linted and a dangling link or a loop is
    // reported instead of silently skipped. walkdir reads each folder as it goes, unsorted
    // (sorted, it holds every entry of a folder at once); the listing sorts them.
    for entry in walkdir::WalkDir::new(path).follow_links(true) {
        let pushed = match entry {
            Ok(e) if e.file_type().is_file() => {
                if ingest::picked_up(e.path()) {
                    listing.push(e.path(), None)
                } else {
                    let ext = e.path().extension().map_or_else(String::new, |x| {
                        format!(".{}", x.to_string_lossy().to_lowercase())
                    });
                    *skipped.entry(ext).or_default() += 1;
                    Ok(())
                }
            }
            Ok(_) => Ok(()),
            Err(e) => {
                let p = e
                    .path()
                    .map_or_else(|| path.to_path_buf(), Path::to_path_buf);
                let refused = Refused {
                    path: p.clone(),
                    code: &codes::UNREADABLE,
                    message: format!("无法读取目录项：{e}"),
                    what: "文件",
                    help: None,
                };
                listing.push(&p, Some(refused))
            }
        };
        if let Err(e) = pushed {
            // The listing could not be set aside (no room for the temporary file): the folder
            // is one finding, not a run that stops.
            let refused =
                Refused::listing_lost(path, format!("无法列出目录中的文件（临时文件）：{e}"));
            return Listing::single(path, Some(refused));
        }
    }
    if listing.entries.is_empty() {
        return Listing::single(path, Some(nothing_to_lint(path, &skipped)));
    }
    listing
}

/// I011 for a folder with no file to lint, naming the kinds of file it passed over (by
/// extension, with how many) so that a folder of Word or PDF forms says why nothing was checked.
fn nothing_to_lint(path: &Path, skipped: &BTreeMap<String, usize>) -> Refused {
    let mut message = "目录中没有可检查的文件".to_owned();
    let others: usize = skipped.values().sum();
    if others > 0 {
        let mut kinds: Vec<(&String, &usize)> = skipped.iter().collect();
        // The commonest first; among equals by name, files without an extension last.
        kinds.sort_by(|a, b| {
            b.1.cmp(a.1)
                .then(a.0.is_empty().cmp(&b.0.is_empty()))
                .then(a.0.cmp(b.0))
        });
        let named: Vec<&str> = kinds
            .iter()
            .take(SKIPPED_NAMED)
            .map(|(k, _)| {
                if k.is_empty() {
                    "无扩展名"
                } else {
                    k.as_str()
                }
            })
            .collect();
        let more = if kinds.len() > SKIPPED_NAMED {
            "等"
        } else {
            ""
        };
        message += &format!(
            "（跳过了 {others} 个其他格式的文件：{}{more}）",
            named.join("、")
        );
    }
    Refused::folder(path, &codes::NO_FILES, message)
}

/// Files beyond which a run is long enough to deserve a progress bar.
const PROGRESS_FROM: usize = 300;

/// A progress bar on stderr for long runs, only when a person is watching: never in a pipe,
/// a redirect or CI.
fn progress_bar(files: usize) -> indicatif::ProgressBar {
    let watched = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
    if files < PROGRESS_FROM || !watched {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(files as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} 个文件 {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Freed memory is handed back once a run has read [`TRIM_AFTER_WORKBOOK_BYTES`] of
    /// workbooks, counted from the last hand-back, whatever the text files and unreadable
    /// paths among them.
    #[test]
    fn memory_is_handed_back_after_every_two_megabytes_of_workbooks() {
        let file = |name: &str, size: u64| -> Weighed { (Ok(PathBuf::from(name)), Some(size)) };
        let refused: Weighed = (
            Err(Refused {
                path: PathBuf::from("gone.xlsx"),
                code: &codes::UNREADABLE,
                message: String::new(),
                what: "文件",
                help: None,
            }),
            None,
        );
        let mb = 1 << 20;
        let mut read = WorkbookBytes::default();
        // Whether each file, written in turn, makes the memory due back.
        let mut due = |files: &[Weighed]| -> Vec<bool> {
            files
                .iter()
                .map(|(f, size)| read.read(f, size.unwrap_or(0)))
                .collect()
        };
        // Text files, however large, and paths that gave no file count for nothing.
        let none = [false; 3];
        assert_eq!(
            due(&[file("a.txt", 10 * mb), file("b.yaml", 5 * mb), refused]),
            none
        );
        assert_eq!(
            due(&[file("a.xlsx", mb), file("b.txt", 3 * mb)]),
            [false; 2]
        );
        // A workbook's extension is matched in any case, and every workbook format counts.
        assert_eq!(
            due(&[file("c.XLS", mb / 2), file("d.ods", mb / 2)]),
            [false, true]
        );
        // Counted afresh after each hand-back.
        let three = [file("e.xlsx", mb), file("f.xlsx", mb), file("g.xlsm", mb)];
        assert_eq!(due(&three), [false, true, false]);
    }

    /// A path is cut below its root as `Path::strip_prefix` cuts it, whether it takes the
    /// byte cut (the shape walkdir gives) or the long way.
    #[test]
    fn paths_are_cut_below_their_root_as_strip_prefix_cuts_them() {
        let cases = [
            ("dir", "dir/a.txt"),
            ("dir", "dir/sub/中文.txt"),
            ("dir", "dir/.hidden.txt"),
            ("dir/", "dir/a.txt"),
            ("./dir", "./dir/a.txt"),
            (".", "./a.txt"),
            ("/tmp/x", "/tmp/x/y/z.txt"),
            ("dir", "dir//a.txt"),
            ("dir", "dir/./a.txt"),
            ("dir", "dir/../dir/a.txt"),
            ("dir", "dir"),
            ("dir", "dirt/a.txt"),
            ("dir", "other/a.txt"),
            ("a.txt", "a.txt"),
        ];
        for (root, path) in cases {
            let (root, path) = (Path::new(root), Path::new(path));
            let expected = path.strip_prefix(root).unwrap_or(path);
            assert_eq!(
                below_root(root, path),
                expected.as_os_str().as_encoded_bytes(),
                "{} below {}",
                path.display(),
                root.display()
            );
        }
    }

    /// A folder's forms come in their names' order, as walkdir sorts by file name, also for
    /// names that sort apart from their paths (`a-b` and `a.b` before `a/`).
    #[test]
    fn folders_are_listed_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let names = [
            "b.txt",
            "a.txt",
            "a-b/x.txt",
            "a/x.txt",
            "a.b/x.txt",
            "A.txt",
            "中文.txt",
            "a b.txt",
            "a/y/z.txt",
            "a/y.txt",
            "10.txt",
            "9.txt",
            "a0/x.txt",
            "a!.txt",
            "a/y0.txt",
            "b/c/d/e.txt",
        ];
        for n in names {
            let p = dir.path().join(n);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "").unwrap();
        }
        let ours: Vec<PathBuf> = expand(dir.path()).into_iter().map(Result::unwrap).collect();
        let walkdirs: Vec<PathBuf> = walkdir::WalkDir::new(dir.path())
            .sort_by_file_name()
            .into_iter()
            .map(Result::unwrap)
            .filter(|e| e.file_type().is_file())
            .map(walkdir::DirEntry::into_path)
            .collect();
        assert_eq!(ours.len(), names.len());
        assert_eq!(ours, walkdirs);
        // The folder `a` comes before `a b.txt`, `a-b` and `a.b` (its name is their start),
        // though '-', '.' and ' ' sort before '/' in a path; `a/y/z.txt` before `a/y.txt`.
        let rel: Vec<String> = ours
            .iter()
            .map(|p| {
                p.strip_prefix(dir.path())
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(
            rel,
            [
                "10.txt",
                "9.txt",
                "A.txt",
                "a/x.txt",
                "a/y/z.txt",
                "a/y.txt",
                "a/y0.txt",
                "a b.txt",
                "a!.txt",
                "a-b/x.txt",
                "a.b/x.txt",
                "a.txt",
                "a0/x.txt",
                "b/c/d/e.txt",
                "b.txt",
                "中文.txt"
            ]
        );
    }

    /// A folder that gives no file to lint says so, naming what it passed over, so a CI run
    /// pointed at the wrong folder (or at Word files) does not pass with nothing checked.
    #[test]
    fn a_folder_without_forms_is_an_error_naming_what_was_skipped() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "a.docx",
            "b.docx",
            "c.pdf",
            "README",
            "sub/d.wps",
            "sub/e.DOCX",
        ] {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "").unwrap();
        }
        let found: Vec<Found> = expand(dir.path()).into_iter().collect();
        let [Err(refused)] = &found[..] else {
            panic!("{found:?}")
        };
        assert_eq!(refused.code.code, "I011");
        assert_eq!(refused.path, dir.path());
        assert_eq!(
            refused.message,
            "目录中没有可检查的文件（跳过了 6 个其他格式的文件：.docx、.pdf、.wps、无扩展名）"
        );
        // Nothing at all: no list of what was skipped.
        let empty = tempfile::tempdir().unwrap();
        let found: Vec<Found> = expand(empty.path()).into_iter().collect();
        let [Err(refused)] = &found[..] else {
            panic!("{found:?}")
        };
        assert_eq!(refused.message, "目录中没有可检查的文件");
        // One form among them: no finding.
        std::fs::write(dir.path().join("sub/form.txt"), "").unwrap();
        let found: Vec<Found> = expand(dir.path()).into_iter().collect();
        assert!(matches!(&found[..], [Ok(_)]), "{found:?}");
    }

    /// A folder listed with its entries set aside on disk a few at a time lists what one held
    /// in memory lists, in the same order, with its unreadable entries where they were.
    #[test]
    fn a_listing_set_aside_on_disk_is_the_listing_held_in_memory() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..60 {
            // Names of different lengths, in folders, so the runs hold different numbers.
            let p = dir
                .path()
                .join(format!("d{}/{}{i}.txt", i % 4, "名".repeat(i % 5)));
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink("nowhere", dir.path().join("d2/dangling.txt")).unwrap();
        let shown = |l: Listing| -> Vec<String> {
            l.into_iter()
                .map(|f| match f {
                    Ok(p) => p.display().to_string(),
                    Err(r) => format!("{} {}", r.code.code, r.path.display()),
                })
                .collect()
        };
        let held = shown(list(dir.path(), usize::MAX));
        let at = |name: &str| dir.path().join(name).display().to_string();
        assert_eq!(held.len(), if cfg!(unix) { 61 } else { 60 });
        assert_eq!(held[0], at("d0/0.txt"));
        if cfg!(unix) {
            // The dangling link, refused where its name sorts among its folder's files.
            let i = held.iter().position(|f| *f == at("d2/50.txt")).unwrap();
            assert_eq!(held[i + 1], format!("I001 {}", at("d2/dangling.txt")));
        }
        for budget in [0, 100, 1000] {
            let listing = list(dir.path(), budget);
            assert_eq!(listing.len(), held.len());
            assert_eq!(shown(listing), held, "{budget} bytes held");
        }
        assert_eq!(shown(expand(dir.path())), held);
    }

    /// A listing lost with its temporary file is the folder's finding, and its help is about
    /// the temporary directory, not the folder's permissions (I001's own help).
    #[test]
    fn a_listing_lost_says_to_check_the_temporary_directory() {
        let lost = Refused::listing_lost(Path::new("表"), "无法读回".to_owned());
        let d = unreadable(&lost).diagnostics.first().unwrap().into_owned();
        assert_eq!((d.code.as_ref(), &*d.primary.message), ("I001", "目录"));
        let help = d.help().unwrap();
        assert!(
            help.contains("临时目录") && help.contains("TMPDIR"),
            "{help}"
        );
        assert_ne!(Some(help), codes::UNREADABLE.help);
    }

    /// The help of I011 names every kind of file a folder is searched for.
    #[test]
    fn the_help_for_an_empty_folder_names_every_kind_of_file_read() {
        let help = codes::NO_FILES.help.unwrap();
        for ext in ingest::EXTENSIONS {
            assert!(
                help.contains(&format!(".{ext}、")) || help.contains(&format!(".{ext} ")),
                "{ext}"
            );
        }
        for suffix in ingest::STRUCTURED_SUFFIXES {
            assert!(help.contains(&format!("*{suffix}")), "{suffix}");
        }
    }

    /// How many of `sizes` are in flight at once, file after file, while none is written: the
    /// files let in until the next must wait, then (the first written) those let in after it.
    fn in_flight(sizes: &[Option<u64>], threads: usize) -> Vec<usize> {
        let mut flight = Flight::new(threads);
        let mut queue = std::collections::VecDeque::new();
        let mut counts = Vec::new();
        let mut sizes = sizes.iter().peekable();
        while let Some(&&size) = sizes.peek() {
            let w = flight.weigh(size);
            if flight.admits(w) {
                flight.take(w);
                queue.push_back(w);
                sizes.next();
                // Whatever the files, they never hold more than the findings' budget.
                let shares: f64 = queue.iter().map(|w| 1.0 / w.together as f64).sum();
                assert!(shares <= 1.0 + 1e-9, "{queue:?}");
                continue;
            }
            counts.push(queue.len());
            flight.give_back(
                queue
                    .pop_front()
                    .expect("a file that does not fit waits for one"),
            );
        }
        counts.push(queue.len());
        counts
    }

    #[test]
    fn large_files_are_linted_fewer_at_a_time() {
        // Files of 300 KB: four per thread, one let in as each is written.
        assert_eq!(in_flight(&[Some(300 << 10); 10], 2), [8, 8, 8]);
        assert_eq!(in_flight(&[Some(300 << 10); 10], 1), [4; 7]);
        // One form a file (3 KB): 32 per thread.
        assert_eq!(in_flight(&[Some(3 << 10); 66], 2), [64, 64, 64]);
        // Files of 30 KB are of ordinary size.
        assert_eq!(in_flight(&[Some(30 << 10); 9], 2), [8, 8]);
        // Files of 3 MB: as many as fit in 8 MB.
        assert_eq!(in_flight(&[Some(3 << 20); 4], 2), [2, 2, 2]);
        // 10 MB files, and 5 MB ones: one at a time, whatever the number of threads.
        assert_eq!(in_flight(&[Some(10 << 20); 3], 2), [1, 1, 1]);
        assert_eq!(in_flight(&[Some(5 << 20); 3], 8), [1, 1, 1]);
        // A large file waits for every file before it to be written (two, then one), and the
        // files after it wait for it.
        let mixed = [Some(3 << 10), None, Some(6 << 20), Some(2 << 20), Some(100)];
        assert_eq!(in_flight(&mixed, 2), [2, 1, 1, 2]);
    }

    #[test]
    fn a_large_file_has_the_findings_budget_to_itself() {
        let flight = Flight::new(2);
        let large = flight.weigh(Some(9 << 20));
        assert!(large.alone);
        assert_eq!(large.together, 1);
        let ordinary = flight.weigh(Some(300 << 10));
        assert!(!ordinary.alone);
        assert_eq!(ordinary.together, 8);
        // An unreadable entry, or one whose size is not known, weighs as a small file.
        assert_eq!(flight.weigh(None).together, 64);
        assert_eq!(flight.weigh(None).bytes, 0);
    }
}
