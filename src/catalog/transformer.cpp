// Transformer ops: attention (costed as its two matmuls), KV-cache updates and head
// reshuffles (they move rows).
#include "families.hpp"

namespace meshrt::catalog::detail {

void add_transformer_ops(Ops& ops) {
  add_plain(ops, "attention", CostFamily::kMatmul,
            {"scaled_dot_product_attention", "scaled_dot_product_attention_decode", "sdpa_fw",
             "sdpa_bw"});
  // The page table (operand 3) addresses the caches' blocks.
  OpInfo paged_decode =
      make_op("paged_scaled_dot_product_attention_decode", "attention", CostFamily::kMatmul);
  paged_decode.operand_roles = {index_role(3, 1, 0)};
  ops.push_back(paged_decode);
  OpInfo chunked =
      make_op("chunked_scaled_dot_product_attention", "attention", CostFamily::kMatmul);
  chunked.operand_roles = {index_role(3, 1, 0), index_role(4, 1, 2)};  // start: within a block
  ops.push_back(chunked);
  // The page table is operand 3 when there is a value cache (without one, operand 2 gets the
  // default small integers).
  OpInfo mla =
      make_op("paged_flash_multi_latent_attention_decode", "attention", CostFamily::kMatmul);
  mla.operand_roles = {index_role(3, 1, 0)};
  ops.push_back(mla);
  add_plain(ops, "heads", CostFamily::kDataMovement,
            {"concatenate_heads", "split_query_key_value_and_split_heads"});
  // Cache ops write their cache (operand 0) in place.
  OpInfo update = make_op("update_cache", "kv_cache", CostFamily::kDataMovement);
  update.writes_first_operand = true;
  update.operand_roles = {index_role(2, 0, 2, 10)};  // the position, within the cache's rows
  ops.push_back(update);
  OpInfo fill = make_op("fill_cache", "kv_cache", CostFamily::kDataMovement);
  fill.writes_first_operand = true;
  ops.push_back(fill);
  OpInfo paged_fill = make_op("paged_fill_cache", "kv_cache", CostFamily::kDataMovement);
  paged_fill.writes_first_operand = true;
  // The page table addresses the cache's blocks; the user index the page table's rows.
  paged_fill.operand_roles = {index_role(2, 0, 0, 10), index_role(3, 2, 0, 10)};
  ops.push_back(paged_fill);
  OpInfo paged_update = make_op("paged_update_cache", "kv_cache", CostFamily::kDataMovement);
  paged_update.writes_first_operand = true;
  // Positions within one block (valid with or without a page table), pages within the cache.
  paged_update.operand_roles = {index_role(2, 0, 2), index_role(3, 0, 0)};
  ops.push_back(paged_update);
}

}  // namespace meshrt::catalog::detail
