//! Job progress on the terminal: a bar (or a spinner when the total is unknown) per step; without
//! a terminal (a service, a CI log), a plain line every 30 seconds instead.

use indicatif::{ProgressBar, ProgressStyle};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Draws the steps of a job with indicatif.
#[derive(Default)]
pub struct TerminalProgress {
    step: Mutex<Option<Step>>,
}

struct Step {
    bar: ProgressBar,
    task: String,
    last_line: Instant,
}

impl leian_service::Progress for TerminalProgress {
    fn begin(&self, task: &str, total: Option<u64>) {
        let bar = match total {
            Some(total) => {
                let bar = ProgressBar::new(total);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{msg} {bar:40} {human_pos}/{human_len}（{per_sec}，剩余 {eta}）",
                    )
                    .expect("progress template"),
                );
                bar
            }
            None => {
                let bar = ProgressBar::new_spinner();
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} {msg}：{human_pos}（{per_sec}，已用 {elapsed}）",
                    )
                    .expect("progress template"),
                );
                bar.enable_steady_tick(Duration::from_millis(200));
                bar
            }
        };
        bar.set_message(task.to_string());
        let previous = self
            .step
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .replace(Step {
                bar,
                task: task.to_string(),
                last_line: Instant::now(),
            });
        if let Some(previous) = previous {
            previous.bar.finish_and_clear();
        }
    }

    fn update(&self, done: u64) {
        let mut step = self.step.lock().unwrap_or_else(|e| e.into_inner());
        let Some(step) = step.as_mut() else {
            return;
        };
        step.bar.set_position(done);
        if step.bar.is_hidden() && step.last_line.elapsed() >= Duration::from_secs(30) {
            step.last_line = Instant::now();
            match step.bar.length() {
                Some(total) => eprintln!("{}：{done}/{total}", step.task),
                None => eprintln!("{}：{done}", step.task),
            }
        }
    }

    fn end(&self, summary: &str) {
        if let Some(step) = self.step.lock().unwrap_or_else(|e| e.into_inner()).take() {
            step.bar.finish_and_clear();
        }
        eprintln!("{summary}");
    }
}
