// SPDX-License-Identifier: Apache-2.0
// sync_metrics.h — the sync's health for Prometheus: a text-format file for node_exporter's
// textfile collector, rewritten atomically after every sync (docs/monitoring.md).
#pragma once

#include <string>

#include "config/config.h"
#include "sync/sync_status.h"
#include "system/error.h"

namespace dirbind {

// The exposition text for `s` (the record just written) and the last attempt's outcome:
// `error` is Err::ok after a success, else the code of the failure (dirbind_sync_last_error_code).
std::string sync_metrics_text(const SyncStatus& s, Err error);

// Writes sync_metrics_text() to cfg.metrics_file (0644, atomic rename, so the collector never
// reads half a file). Nothing when the key is ""; the default only for the default cache_dir
// and when its directory exists (node_exporter installed). A failure is logged, never thrown: metrics must
// not fail a sync.
void write_sync_metrics(const Config& cfg, const SyncStatus& s, Err error) noexcept;

}  // namespace dirbind
