#include <iostream>

#include "apps/commands.h"
#include "core/keys.h"

namespace loconet::apps {

void RegisterKeygen(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("keygen", "Create an ed25519 identity (key file mode 0600)");
  auto out = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  cmd->add_option("--out", *out, "Key file to write")->required();
  cmd->add_flag("--force", *force, "Overwrite an existing key file");
  cmd->callback([=] {
    Identity id = Identity::Generate();
    Status s = id.Save(*out, *force);
    if (!s.ok()) {
      std::cerr << "loconet keygen: " << s.ToString() << "\n";
      *exit_code = 1;
      return;
    }
    std::cout << id.public_key().Hex() << "\n";
    *exit_code = 0;
  });
}

}  // namespace loconet::apps
