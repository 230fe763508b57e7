-- A retried insert into genai_calls is dropped by its deduplication token, but the materialized
-- views still receive the block; the rollups must drop it too or a retry would count a call twice.
-- The exporter inserts with deduplicate_blocks_in_dependent_materialized_views = 1, which gives
-- each view's block its own token; these windows make the (non-replicated) rollup tables keep them.
ALTER TABLE {{table genai_costs_hourly}}{{on_cluster}} MODIFY SETTING non_replicated_deduplication_window = 10000;

ALTER TABLE {{table genai_costs_daily}}{{on_cluster}} MODIFY SETTING non_replicated_deduplication_window = 10000;

ALTER TABLE {{table genai_unknown_models}}{{on_cluster}} MODIFY SETTING non_replicated_deduplication_window = 10000;
