using System.Text.Json.Nodes;

namespace Gateway.Proxy.A2a;

/// <summary>
/// The card the gateway serves for a remote agent: the remote card with every interface URL pointing at the gateway's
/// route for it (<c>url</c>, 1.0's <c>supportedInterfaces</c> and 0.3's <c>additionalInterfaces</c> replaced by the one
/// JSON-RPC interface the gateway speaks, 0.3's <c>preferredTransport</c> set to it), only the skills the calling agent
/// may use, and the capabilities the gateway governs (streaming and push notifications as the remote agent has them:
/// docs/a2a.md).
/// Its signatures are dropped here; the gateway signs the result. A member the gateway rewrites is its own alone: a remote
/// member whose name folds onto one of them (<see cref="A2aMemberNames.Fold"/>: <c>URL</c>, <c>Skills</c>,
/// <c>supported_interfaces</c>, a capability's <c>Streaming</c>) but is spelled otherwise is dropped, or a case-folding
/// client (Go's encoding/json) would read the remote's instead.
/// </summary>
internal static class AgentCardRewriter
{
    // The top-level members the gateway writes or removes, and those it writes in capabilities.
    private static readonly string[] Rewritten = ["url", "preferredTransport", "additionalInterfaces", "supportedInterfaces", "protocolVersion", "capabilities", "skills", "signatures"];
    private static readonly string[] RewrittenCapabilities = ["streaming", "pushNotifications"];

    public static JsonObject Rewrite(JsonObject remote, string gatewayUrl, IReadOnlySet<string> skillsAllowed)
    {
        var card = remote.DeepClone().AsObject();
        DropFoldedVariants(card, Rewritten);
        card.Remove("signatures");
        var version = card["protocolVersion"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? card["protocolVersion"]!.GetValue<string>() : "0.3.0";
        card["url"] = gatewayUrl;
        card["preferredTransport"] = "JSONRPC";
        card.Remove("additionalInterfaces");
        card["supportedInterfaces"] = new JsonArray(new JsonObject
        {
            ["url"] = gatewayUrl,
            ["protocolBinding"] = "JSONRPC",
            ["protocolVersion"] = "1.0",
        });
        card["protocolVersion"] = version;
        var capabilities = card["capabilities"] as JsonObject ?? [];
        DropFoldedVariants(capabilities, RewrittenCapabilities);
        capabilities["streaming"] = capabilities["streaming"]?.GetValueKind() == System.Text.Json.JsonValueKind.True;
        capabilities["pushNotifications"] = capabilities["pushNotifications"]?.GetValueKind() == System.Text.Json.JsonValueKind.True;
        card["capabilities"] = capabilities;
        var skills = new JsonArray();
        if (card["skills"] is JsonArray remoteSkills)
        {
            foreach (var skill in remoteSkills)
            {
                if (skill is JsonObject s && s["id"]?.GetValueKind() == System.Text.Json.JsonValueKind.String && skillsAllowed.Contains(s["id"]!.GetValue<string>()))
                {
                    skills.Add(s.DeepClone());
                }
            }
        }

        card["skills"] = skills;
        return card;
    }

    // Removes each member of `members` spelled otherwise than one of `names` but folding onto it.
    private static void DropFoldedVariants(JsonObject members, string[] names)
    {
        var folded = names.Select(A2aMemberNames.Fold).ToHashSet(StringComparer.Ordinal);
        foreach (var name in members.Select(static m => m.Key).ToList())
        {
            if (!names.Contains(name, StringComparer.Ordinal) && folded.Contains(A2aMemberNames.Fold(name)))
            {
                members.Remove(name);
            }
        }
    }
}
