//! Progress on a terminal for long work (replay, demo generation), silent elsewhere.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar on stderr, drawn only when asked for and when stderr is a terminal.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(what: &str, total: u64, show: bool) -> Progress {
        if !show {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{msg:>14} [{bar:40}] {human_pos}/{human_len} ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(what.to_string());
        Progress { bar: Some(bar) }
    }

    /// Reports `done` items; cheap enough to call per item.
    pub fn tick(&self, done: u64) {
        if let Some(bar) = &self.bar {
            if done.is_multiple_of(4096) {
                bar.set_position(done);
            }
        }
    }

    /// Reports `done` items, for work that reports now and then rather than per item.
    pub fn set(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A [`Progress`] drawn from the first report on, which brings the total: for work that
/// counts what it has to do before it starts.
pub struct Deferred {
    what: &'static str,
    show: bool,
    bar: Option<Progress>,
}

impl Deferred {
    pub fn new(what: &'static str, show: bool) -> Deferred {
        Deferred {
            what,
            show,
            bar: None,
        }
    }

    pub fn set(&mut self, done: u64, total: u64) {
        let (what, show) = (self.what, self.show);
        self.bar
            .get_or_insert_with(|| Progress::new(what, total, show))
            .set(done);
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}
