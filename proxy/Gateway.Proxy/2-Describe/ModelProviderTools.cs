using System.Text.Json;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// The tools a model request may hand the provider (<c>tools</c>): those the agent runs itself (OpenAI's <c>function</c> and
/// <c>custom</c>, and a <c>namespace</c> of them; Anthropic's tools with no <c>type</c> or <c>custom</c>) pass; a tool the provider runs itself (web search,
/// file search, code execution, a computer or shell, image generation) passes only when the connector's catalog entry lists
/// its type in <c>provider_tools</c> (OpenAI's type exactly, Anthropic's also by its name before the date suffix:
/// <c>web_search</c> allows <c>web_search_20250305</c>), since the provider would run it (and bill it) out of the gateway's
/// sight; an MCP server (OpenAI's <c>mcp</c> tool, Anthropic's <c>mcp_servers</c> and <c>mcp_*</c> tools) never passes: the
/// provider would connect to a server the request names, past the gateway's egress rules. Members are read as a server that
/// matches names without case reads them (<c>Tools</c>, <c>Type</c>). A refusal is 400 <c>provider_tool_not_allowed</c>,
/// recorded under the connector, before anything is decided or forwarded.
/// </summary>
internal static class ModelProviderTools
{
    private static readonly string ToolsFold = A2aMemberNames.Fold("tools");
    private static readonly string TypeFold = A2aMemberNames.Fold("type");
    private static readonly string McpServersFold = A2aMemberNames.Fold("mcp_servers");
    private static readonly string WebSearchOptionsFold = A2aMemberNames.Fold("web_search_options");

    /// <summary>The refusal of the model request an envelope action carries, for the catalog entry it names; null when it passes or names no model connector.</summary>
    public static Refusal? Refuse(DescribedAction action) =>
        action.Tenant.TryGetCatalogEntry(action.Request.Tool, out var entry) && entry is not null ? Refuse(entry, action.Request.Args) : null;

    /// <summary>The refusal of <paramref name="request"/> sent to <paramref name="entry"/>; null when it passes, or the entry is no model connector.</summary>
    public static Refusal? Refuse(CatalogEntry entry, JsonElement request) =>
        entry.Kind.IsModel() && Refusal(entry, request) is { } why
            ? new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.ProviderToolNotAllowed, why) { AuditTool = entry.Name }
            : null;

    /// <summary>Why <paramref name="request"/> names a tool the provider runs that <paramref name="entry"/> does not allow; null when it names none.</summary>
    public static string? Refusal(CatalogEntry entry, JsonElement request)
    {
        if (request.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var anthropic = entry.Kind == ConnectorKind.Anthropic;
        foreach (var member in request.EnumerateObject())
        {
            var folded = A2aMemberNames.Fold(member.Name);
            if (folded == McpServersFold)
            {
                return $"The request's '{RefusalText.Truncate(member.Name)}' has the provider connect to MCP servers the request names, past the gateway's egress rules: never allowed. Nothing was forwarded.";
            }

            if (folded == ToolsFold && ToolsRefusal(entry, anthropic, member.Value) is { } refused)
            {
                return refused;
            }

            // OpenAI's chat completions search the web for a request that carries web_search_options.
            if (!anthropic && folded == WebSearchOptionsFold && member.Value.ValueKind != JsonValueKind.Null && !Listed(entry, "web_search", anthropic))
            {
                return NotListed(entry, "web_search", $"'{RefusalText.Truncate(member.Name)}'");
            }
        }

        return null;
    }

    private static string? ToolsRefusal(CatalogEntry entry, bool anthropic, JsonElement tools)
    {
        if (tools.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (tools.ValueKind != JsonValueKind.Array)
        {
            return "The request's 'tools' must be a list of tool objects. Nothing was forwarded.";
        }

        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind != JsonValueKind.Object)
            {
                return "Each of the request's 'tools' must be an object. Nothing was forwarded.";
            }

            foreach (var member in tool.EnumerateObject())
            {
                if (A2aMemberNames.Fold(member.Name) != TypeFold)
                {
                    continue;
                }

                if (member.Value.ValueKind != JsonValueKind.String)
                {
                    return "A tool's 'type' must be a string. Nothing was forwarded.";
                }

                var type = member.Value.GetString()!;
                if (IsClientTool(type, anthropic) && string.Equals(member.Name, "type", StringComparison.Ordinal))
                {
                    continue;
                }

                // An OpenAI namespace groups tools under one name: it passes as the tools it holds do.
                if (!anthropic && type == "namespace" && string.Equals(member.Name, "type", StringComparison.Ordinal))
                {
                    var held = tool.EnumerateObject().Where(m => A2aMemberNames.Fold(m.Name) == ToolsFold).Select(m => ToolsRefusal(entry, anthropic, m.Value));
                    if (held.FirstOrDefault(static refused => refused is not null) is { } inner)
                    {
                        return inner;
                    }

                    continue;
                }

                var name = anthropic ? Undated(type) : type;
                if (name == "mcp" || name.StartsWith("mcp_", StringComparison.Ordinal))
                {
                    return $"The request's tool of type '{RefusalText.Truncate(type)}' has the provider connect to an MCP server the request names, past the gateway's egress rules: never allowed. Nothing was forwarded.";
                }

                if (!Listed(entry, type, anthropic))
                {
                    return NotListed(entry, type, $"tool of type '{RefusalText.Truncate(type)}'");
                }
            }
        }

        return null;
    }

    // A tool the agent runs: the provider only asks for it to be called. Besides functions, the tools a provider defines but
    // the agent's own machine carries out (a computer, a shell, a text editor, a memory directory, a patch) act nowhere else.
    private static bool IsClientTool(string type, bool anthropic) => anthropic
        ? type == "custom" || Undated(type) is "bash" or "text_editor" or "computer" or "memory"
        : type is "function" or "custom" or "computer_use_preview" or "computer_use" or "local_shell" or "shell" or "apply_patch";

    // The entry allows a provider tool: OpenAI's type exactly, Anthropic's also by its name before the date suffix.
    private static bool Listed(CatalogEntry entry, string type, bool anthropic) =>
        entry.ProviderTools.Contains(type, StringComparer.Ordinal) || (anthropic && entry.ProviderTools.Contains(Undated(type), StringComparer.Ordinal));

    // web_search_20250305 → web_search: an Anthropic tool type's name before its date suffix (an underscore and 8 digits).
    private static string Undated(string type) =>
        type.Length > 9 && type[^9] == '_' && type.AsSpan(type.Length - 8).IndexOfAnyExceptInRange('0', '9') < 0 ? type[..^9] : type;

    private static string NotListed(CatalogEntry entry, string type, string what) =>
        $"The request's {what} is a tool the provider runs itself, out of the gateway's sight (and billed beyond the tokens counted), and connector '{entry.Name}' does not allow it (its catalog entry's provider_tools does not list '{RefusalText.Truncate(type)}'). Nothing was forwarded.";
}
