#include "published_ports.h"

#include "cli_error.h"

namespace tools {

PublishedPort parse_published_port(std::string_view text)
{
    PublishedPort port;
    if (const char* why = user_network::parse_published_port(text, port))
        throw CliError(kExitBadInput,
            "bad -p '" + std::string(text) + "': " + why + " (want " + user_network::kPublishedPortSyntax
                + ", e.g. -p 8080:80 or -p 127.0.0.1:5353:53/udp)");
    return port;
}

} // namespace tools
