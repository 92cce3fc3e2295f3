#include "miner/miner_rank.h"

#include "core/log.h"
#include "datasets/loader.h"
#include "datasets/shard.h"
#include "miner/rank_order.h"
#include "trainer/gpt.h"
#include "trainer/params.h"
#include "trainer/threads.h"

namespace loconet {

InnerOptions MinerInnerOptions(const MinerConfig& c) {
  InnerOptions inner;
  inner.schedule = c.schedule;
  inner.weight_decay = c.weight_decay;
  inner.beta1 = c.beta1;
  inner.beta2 = c.beta2;
  inner.grad_clip = c.grad_clip;
  inner.precision = c.precision;
  return inner;
}

Status RunMinerRank(const MinerConfig& config, parallel::Group& group,
                    const std::atomic<bool>& stop) {
  ConfigureCompute(config.threads, config.precision);
  LOCONET_ASSIGN_OR_RETURN(datasets::ShardReader train,
                           datasets::ShardReader::Open(config.data_dir + "/train.shard"));
  ModelConfig model = config.model;
  if (model.vocab_size == 0) model.vocab_size = train.vocab_size();
  LocalTrainer trainer(GPT(model), MinerInnerOptions(config));
  const std::vector<torch::Tensor> params = ParameterList(*trainer.model());
  const int64_t world = group.world();
  const int64_t width = model.context + 1;
  std::vector<int64_t> rows;
  for (uint64_t seq = 0;; ++seq) {
    LOCONET_ASSIGN_OR_RETURN(std::string raw, group.Await(RankOrderKey(seq), stop));
    LOCONET_ASSIGN_OR_RETURN(RankOrder order, RankOrder::Decode(raw));
    if (order.stop) return Status::Ok();
    for (uint64_t p : order.pages) {
      if (p >= train.num_pages()) {
        return Error(Code::kInvalidArgument, "rank 0 assigns page " + std::to_string(p) +
                                                 " but this rank's shard has " +
                                                 std::to_string(train.num_pages()) + " pages");
      }
    }
    LOCONET_RETURN_IF_ERROR(group.Broadcast(params, 0).WithContext("round " +
                                                                   std::to_string(order.round)));
    trainer.set_step(order.trainer_step);
    LOCONET_ASSIGN_OR_RETURN(
        datasets::BlockLoader loader,
        datasets::BlockLoader::Create(train, order.pages, static_cast<int>(order.batch * world),
                                      static_cast<int>(model.context), order.loader_seed));
    for (uint32_t h = 0; h < order.steps; ++h) {
      loader.Next(&rows);
      auto loss = trainer.Step(RankBlock(rows, order.batch, width, group.rank()), &group);
      if (!loss.ok()) return loss.status().WithContext("round " + std::to_string(order.round));
    }
    spdlog::debug("rank {}: round {} trained, {} steps", group.rank(), order.round, order.steps);
  }
}

}  // namespace loconet
