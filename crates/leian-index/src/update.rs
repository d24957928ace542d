//! Updating a published snapshot without rebuilding it: documents added, replaced or removed.
//!
//! The served snapshot is hard-linked into a scratch folder (`swap::link_tree`: tantivy never
//! writes into an existing file, deletions go to new `.del` files), a tantivy writer deletes the
//! replaced and removed ids and adds the new documents through the builder's own mapping
//! ([`crate::builder::DocumentBuilder`]), commits, and the snapshot is published like a build.
//! Vectors: the stored rows of the documents kept are copied as they are, the new documents'
//! rows (embedded by the caller, through the embedding cache) appended; the HNSW graph, when the
//! snapshot has one, is rebuilt from all rows (no document is embedded again).
//!
//! The publishing lock is held from reading the base snapshot to publishing, so concurrent
//! updates of one folder queue instead of losing each other's documents; a killed update leaves
//! only a scratch folder, removed by the next job on the same folder.

use crate::builder::{DocumentBuilder, snapshot_id};
use crate::manifest::{Manifest, SourceRecord, UpdateRecord};
use crate::snapshot::count_documents;
use crate::swap::{
    PublishLock, Scratch, crash_point, link_tree, lock, publish, resolve, scratch_dir,
};
use crate::{DEFAULT_HNSW_MIN_PASSAGES, HnswInfo, IndexError, Snapshot, VectorWriter};
use leian_core::Document;
use leian_text::{LegalTokenizer, TOKENIZER_NAME};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tantivy::{Index, IndexWriter, Term};

/// An update of the snapshot published at a folder, applied by [`SnapshotUpdate::finish`].
pub struct SnapshotUpdate {
    out: PathBuf,
    scratch: Scratch,
    base: Snapshot,
    documents: DocumentBuilder,
    writer: IndexWriter,
    deleted: HashSet<String>,
    vectors: Option<VectorWriter>,
    started: Instant,
    _lock: PublishLock,
}

impl SnapshotUpdate {
    /// Waits for other jobs publishing at `out` to finish, then starts an update of the snapshot
    /// served there: a writable copy of its text index, made of hard links.
    pub fn begin(out: &Path, threads: usize) -> Result<Self, IndexError> {
        let started = Instant::now();
        let lock = lock(out)?;
        let base_dir = resolve(out)?;
        let base = Snapshot::open(&base_dir)?;
        let scratch = Scratch(scratch_dir(out)?);
        link_tree(&base_dir, &scratch.0)?;
        crash_point("linked");
        let index = Index::open_in_dir(&scratch.0)?;
        index.tokenizers().register(TOKENIZER_NAME, LegalTokenizer);
        let threads = threads.max(1);
        let writer = index.writer_with_num_threads(threads, 64_000_000 * threads)?;
        writer.set_merge_policy(Box::new(crate::BoundedMergePolicy));
        Ok(SnapshotUpdate {
            out: out.to_path_buf(),
            scratch,
            base,
            documents: DocumentBuilder::new(),
            writer,
            deleted: HashSet::new(),
            vectors: None,
            started,
            _lock: lock,
        })
    }

    /// The snapshot being updated, as it is served.
    pub fn base(&self) -> &Snapshot {
        &self.base
    }

    /// Deletes the document with this id (replaced or removed); unknown ids delete nothing.
    pub fn delete(&mut self, id: &str) {
        self.writer
            .delete_term(Term::from_field_text(self.documents.fields.id, id));
        self.deleted.insert(id.to_string());
    }

    /// Adds a document. One already indexed under its id must be [`deleted`](Self::delete)
    /// first (deletes apply to documents added before them, not after).
    pub fn add_document(&mut self, document: &Document) -> Result<(), IndexError> {
        let built = self.documents.build(document)?;
        crate::add_to_writer(&mut self.writer, &self.scratch.0, built)
    }

    /// The new documents' passage vectors, made with the base snapshot's model and passage
    /// strategy (required when it has vectors and documents are added).
    pub fn set_vectors(&mut self, vectors: VectorWriter) {
        self.vectors = Some(vectors);
    }

    /// Commits, writes the vectors and the manifest (`sources` appended, `record` added to the
    /// updates, counts recomputed) and publishes the new snapshot in place of the base.
    pub fn finish(
        mut self,
        sources: Vec<SourceRecord>,
        record: UpdateCounts,
    ) -> Result<Manifest, IndexError> {
        let scratch = self.scratch.0.clone();
        let tantivy = |e| IndexError::tantivy(e, &scratch);
        self.writer.commit().map_err(tantivy)?;
        crash_point("committed");
        self.writer.wait_merging_threads().map_err(tantivy)?;
        let index = Index::open_in_dir(&self.scratch.0)?;
        index.tokenizers().register(TOKENIZER_NAME, LegalTokenizer);
        let base = self.base.manifest();
        let updated_at = chrono::Utc::now();
        let mut manifest = base.clone();
        manifest.snapshot_id = snapshot_id(updated_at, &sources);
        manifest.leian_version = env!("CARGO_PKG_VERSION").into();
        manifest.built_at = updated_at.to_rfc3339();
        manifest.docs = count_documents(&index)?;
        manifest.sources.extend(sources);
        manifest.updates.push(UpdateRecord {
            base_snapshot_id: base.snapshot_id.clone(),
            updated_at: updated_at.to_rfc3339(),
            added: record.added,
            replaced: record.replaced,
            removed: record.removed,
        });
        if let (Some(info), Some(stored)) = (&base.dense, self.base.vectors()) {
            let mut vectors = stored.retained(&self.scratch.0, |id| !self.deleted.contains(id))?;
            match self.vectors.take() {
                Some(new) => vectors.append(new)?,
                None if record.added + record.replaced > 0 => {
                    return Err(IndexError::Invalid(format!(
                        "索引带有 {} 的向量，新增的文书也必须计算向量",
                        info.model
                    )));
                }
                None => {}
            }
            // The graph is kept where the base had one (its threshold is not recorded), and
            // made once the snapshot grows past the default threshold.
            // Its copy of the vectors too.
            let vectors = vectors
                .with_hnsw_min_passages(match info.hnsw {
                    Some(_) => 0,
                    None => DEFAULT_HNSW_MIN_PASSAGES,
                })
                .with_quantization(
                    info.hnsw
                        .as_ref()
                        .map_or(HnswInfo::default().quantization, |h| h.quantization),
                );
            let (passages, documents) = (vectors.passages(), vectors.documents());
            let hnsw = vectors.write(&self.scratch.0)?;
            manifest.dense = Some(crate::DenseInfo {
                passages,
                documents,
                hnsw,
                ..info.clone()
            });
        }
        crash_point("vectors");
        manifest.build_seconds = self.started.elapsed().as_secs_f64();
        manifest.write(&self.scratch.0)?;
        crash_point("manifest");
        publish(&self.scratch.0, &self.out, &manifest.snapshot_id)?;
        crash_point("published");
        Ok(manifest)
    }
}

/// How many documents an update added, replaced and removed (for the manifest).
#[derive(Debug, Clone, Copy, Default)]
pub struct UpdateCounts {
    pub added: usize,
    pub replaced: usize,
    pub removed: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DenseInfo, SnapshotBuilder};
    use leian_core::{Filters, Judgment, Store};

    fn judgment(id: &str, facts: &str) -> Document {
        Document::Judgment(Judgment {
            id: id.into(),
            causes: vec!["盗窃罪".into()],
            facts: facts.into(),
            ..Judgment::default()
        })
    }

    fn info(passages: usize, documents: usize) -> DenseInfo {
        DenseInfo {
            model: "t".into(),
            model_fingerprint: "f".into(),
            dimension: 2,
            passage_tokens: 256,
            passage_overlap: 32,
            passages,
            documents,
            hnsw: None,
            kinds: Vec::new(),
            passage_text: Default::default(),
        }
    }

    fn facts(snapshot: &Snapshot, id: &str) -> Option<String> {
        match snapshot.document(id).unwrap() {
            Some(Document::Judgment(j)) => Some(j.facts),
            _ => None,
        }
    }

    #[test]
    fn replaces_removes_and_adds_keeping_stored_vectors() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("index");
        let mut builder = SnapshotBuilder::create(&out, 1).unwrap();
        let mut vectors = VectorWriter::new(2);
        for (i, id) in ["a", "b", "c"].iter().enumerate() {
            builder
                .add_document(judgment(id, &format!("被告人{id}入户盗窃现金")))
                .unwrap();
            vectors.add(id, &[vec![i as f32, 1.0]]).unwrap();
        }
        builder.set_vectors(vectors, info(3, 3));
        let first = builder.finish(Vec::new(), 0).unwrap();
        let served = Snapshot::open(&out).unwrap();

        let mut update = SnapshotUpdate::begin(&out, 1).unwrap();
        assert!(update.base().contains("b").unwrap());
        update.delete("b");
        update.delete("c");
        update
            .add_document(&judgment("c", "被告人c第二版抢夺手机"))
            .unwrap();
        update.add_document(&judgment("d", "被告人d诈骗")).unwrap();
        let mut new = VectorWriter::new(2);
        new.add("c", &[vec![9.0, 9.0], vec![8.0, 8.0]]).unwrap();
        new.add("d", &[vec![7.0, 7.0]]).unwrap();
        update.set_vectors(new);
        let counts = UpdateCounts {
            added: 1,
            replaced: 1,
            removed: 1,
        };
        let manifest = update.finish(Vec::new(), counts).unwrap();
        assert_ne!(manifest.snapshot_id, first.snapshot_id);
        assert_eq!(manifest.docs.judgments, 3);
        assert_eq!(manifest.updates.len(), 1);
        assert_eq!(manifest.updates[0].base_snapshot_id, first.snapshot_id);
        let dense = manifest.dense.as_ref().unwrap();
        assert_eq!((dense.documents, dense.passages), (3, 4));

        let updated = Snapshot::open(&out).unwrap();
        assert_eq!(updated.manifest(), &manifest);
        assert_eq!(facts(&updated, "b"), None);
        assert_eq!(facts(&updated, "c").unwrap(), "被告人c第二版抢夺手机");
        assert!(facts(&updated, "d").is_some());
        let found = updated
            .lexical(
                &[("抢夺".into(), 1.0)],
                &[("facts", 1.0)],
                &Filters::default(),
                10,
            )
            .unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].id, "c");
        // Removed and replaced documents match no more, whether the kind is the only condition
        // (the terms' union alone) or comes with another (an intersection with the filters).
        let kind_only = Filters {
            terms: vec![(leian_core::FilterField::Kind, "judgment".into())],
            ..Filters::default()
        };
        let with_cause = Filters {
            terms: vec![
                (leian_core::FilterField::Kind, "judgment".into()),
                (leian_core::FilterField::Cause, "盗窃罪".into()),
            ],
            ..Filters::default()
        };
        for filters in [&Filters::default(), &kind_only, &with_cause] {
            let found = updated
                .lexical(&[("盗窃".into(), 1.0)], &[("facts", 1.0)], filters, 10)
                .unwrap();
            let ids: Vec<&str> = found.iter().map(|c| c.id.as_str()).collect();
            assert_eq!(ids, ["a"], "{filters:?}");
        }
        // Kept vectors are the stored ones; the new ones are appended.
        let hits = updated.dense(&[0.0, 1.0], &Filters::default(), 10).unwrap();
        let ids: Vec<&str> = hits.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids.len(), 3);
        assert!(ids.contains(&"a") && !ids.contains(&"b"), "{ids:?}");

        // The snapshot opened before the update still answers from its own files.
        assert_eq!(facts(&served, "b").unwrap(), "被告人b入户盗窃现金");
        assert_eq!(served.manifest().docs.judgments, 3);
    }

    #[test]
    fn an_update_without_new_vectors_for_new_documents_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("index");
        let mut builder = SnapshotBuilder::create(&out, 1).unwrap();
        builder.add_document(judgment("a", "入户盗窃")).unwrap();
        let mut vectors = VectorWriter::new(2);
        vectors.add("a", &[vec![1.0, 0.0]]).unwrap();
        builder.set_vectors(vectors, info(1, 1));
        let first = builder.finish(Vec::new(), 0).unwrap();
        let mut update = SnapshotUpdate::begin(&out, 1).unwrap();
        update.add_document(&judgment("b", "抢劫")).unwrap();
        let counts = UpdateCounts {
            added: 1,
            ..UpdateCounts::default()
        };
        assert!(update.finish(Vec::new(), counts).is_err());
        assert_eq!(Manifest::read(&out).unwrap(), first);
        // No scratch folder is left behind.
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("building"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }
}
