//! `leian add` and `leian remove`: daily updates of a published snapshot without a full rebuild.
//! A server serving the folder switches on `POST /v1/admin/reload` or SIGHUP.

use crate::progress::TerminalProgress;
use anyhow::Result;
use clap::Args;
use leian_service::updating::{Additions, UpdateOutcome, add_judgments, remove_documents};
use std::path::PathBuf;

#[derive(Args)]
pub struct AddArgs {
    /// 要更新的索引快照文件夹（完成后原子替换）
    #[arg(long, required_unless_present = "to")]
    index: Option<PathBuf>,
    /// 改为写入 PostgreSQL 集群（postgres://…）：文书、词项统计与向量在一个事务中提交
    #[arg(long, value_name = "URL", conflicts_with = "index")]
    to: Option<String>,
    /// 新的裁判文书文件或文件夹（格式同 `leian index --corpus`）；id 或案号已在索引中的文书被替换
    #[arg(required = true, num_args = 1..)]
    inputs: Vec<PathBuf>,
    /// 遇到第一条有误的记录即停止（索引不作改动），而不是跳过
    #[arg(long)]
    strict: bool,
    /// 建立索引的线程数
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

#[derive(Args)]
pub struct RemoveArgs {
    /// 要更新的索引快照文件夹（完成后原子替换）
    #[arg(long, required_unless_present = "to")]
    index: Option<PathBuf>,
    /// 改为从 PostgreSQL 集群（postgres://…）删除
    #[arg(long, value_name = "URL", conflicts_with = "index")]
    to: Option<String>,
    /// 要删除的文书 id（裁判文书或法条）；有任何一个不在索引中则不作改动
    #[arg(required = true, num_args = 1..)]
    ids: Vec<String>,
}

/// `leian add`: new judgments into a published snapshot.
pub fn add(args: AddArgs) -> Result<()> {
    let Some(index) = args.index else {
        let url = args.to.unwrap_or_default();
        let counts = leian_service::updating::add_to_postgres(
            &url,
            &args.inputs,
            args.strict,
            &TerminalProgress::default(),
        )?;
        println!(
            "集群 {}：写入裁判文书 {} 份（同 id 的旧文书已替换），向量段落 {} 个",
            leian_pg::redacted(&url),
            counts.judgments,
            counts.passages
        );
        return Ok(());
    };
    let additions = Additions::Paths {
        paths: &args.inputs,
        strict: args.strict,
    };
    let outcome = add_judgments(
        &index,
        additions,
        args.threads,
        &TerminalProgress::default(),
    )?;
    crate::index_cmd::print_sources(&outcome.sources);
    print_outcome(&index, &outcome);
    Ok(())
}

/// `leian remove`: documents out of a published snapshot.
pub fn remove(args: RemoveArgs) -> Result<()> {
    let Some(index) = args.index else {
        let url = args.to.unwrap_or_default();
        let counts = leian_service::updating::remove_from_postgres(&url, &args.ids)?;
        println!(
            "集群 {}：删除文书 {} 份（另有 {} 个 id 不在集群中）",
            leian_pg::redacted(&url),
            counts.removed,
            args.ids.len() as u64 - counts.removed.min(args.ids.len() as u64)
        );
        return Ok(());
    };
    let outcome = remove_documents(&index, &args.ids, 1, &TerminalProgress::default())?;
    print_outcome(&index, &outcome);
    Ok(())
}

fn print_outcome(index: &std::path::Path, outcome: &UpdateOutcome) {
    if outcome.snapshot_id == outcome.previous_snapshot_id {
        println!(
            "索引 {}（快照 {}）：没有可加入的文书，索引未改动",
            index.display(),
            outcome.snapshot_id
        );
        return;
    }
    println!(
        "索引 {}（快照 {}，原快照 {}）：新增 {} 份，替换 {} 份，删除 {} 份；现有裁判文书 {} 份，法条 {} 条；计算向量的段落 {} 个；用时 {:.1} 秒",
        index.display(),
        outcome.snapshot_id,
        outcome.previous_snapshot_id,
        outcome.added.len(),
        outcome.replaced.len(),
        outcome.removed.len(),
        outcome.judgments,
        outcome.statutes,
        outcome.passages_embedded,
        outcome.took_ms / 1000.0
    );
    for replacement in outcome.replaced.iter().take(20) {
        println!(
            "  {} 替换了 {}",
            replacement.id,
            replacement.replaced_ids.join("、")
        );
    }
    println!("正在提供该索引的服务器需重新加载：POST /v1/admin/reload 或 SIGHUP");
}
