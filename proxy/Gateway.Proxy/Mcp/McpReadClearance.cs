using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// What a caller is told beyond a governed call it made, narrowed to what it may read: the values a server answered a
/// <c>completion/complete</c> with, and the updates of a resource it subscribed to. The call itself (the completion, the
/// subscription) was decided once, by the Decide stage, as the read it is about, and recorded; these only withhold, never
/// grant: a value is kept, an update passed on, only where the policy, asked as it would be of the read they name (the
/// <c>prompts/get</c> with the value as the argument, the <c>resources/read</c> of the template expanded with it, or of the
/// subscribed resource), lets the caller make it now (the allow family or a degrade; never what needs an approval, which
/// neither can wait for).
/// </summary>
internal static class McpReadClearance
{
    /// <summary>
    /// True when <paramref name="caller"/> may be told <paramref name="value"/>, one of the server's completions of
    /// <paramref name="request"/>: the read it names (the prompt with it as the argument, the template expanded with it) is
    /// one the caller may make, so that a completion lists no more than the policy lets the caller read.
    /// </summary>
    public static bool PermitsCompletedValue(TenantPolicy tenant, AuthenticatedCaller caller, CatalogEntry server, Reference reference, CompleteRequestParams request, string value) =>
        ReadOf(reference, request, value) is { } args && Reads(tenant, caller, server, args);

    // The read a completed value names: the prompt with it as the argument, the template expanded with it; null for a
    // request without an argument's name or another kind of reference.
    private static JsonObject? ReadOf(Reference reference, CompleteRequestParams request, string completed)
    {
        if (request.Argument is not { Name: { } argument })
        {
            return null;
        }

        switch (reference)
        {
            case PromptReference prompt:
                return PromptArgs(prompt, request, argument, completed);
            case ResourceTemplateReference { Uri: { } uri }:
                var values = new Dictionary<string, string>(request.Context?.Arguments ?? new Dictionary<string, string>(), StringComparer.Ordinal) { [argument] = completed };
                return new JsonObject { ["uri"] = McpUriTemplate.Expand(uri, values) };
            default:
                return null;
        }
    }

    private static JsonObject PromptArgs(PromptReference prompt, CompleteRequestParams request, string argument, string value)
    {
        var arguments = new JsonObject();
        foreach (var (name, given) in request.Context?.Arguments ?? new Dictionary<string, string>())
        {
            arguments[name] = given;
        }

        arguments[argument] = value;
        return new JsonObject { ["prompt"] = prompt.Name, ["arguments"] = arguments };
    }

    /// <summary>True when <paramref name="caller"/> may still be told of an update of <paramref name="uri"/> (the server's own) at <paramref name="server"/>.</summary>
    public static bool PermitsSubscription(TenantPolicy tenant, AuthenticatedCaller caller, CatalogEntry server, string uri) =>
        Reads(tenant, caller, server, new JsonObject { ["uri"] = uri });

    /// <summary>
    /// True when an item of <paramref name="server"/>'s listing may be listed to <paramref name="caller"/>: its read
    /// (<paramref name="read"/>: a resource's <c>{uri}</c>, a template's as written, a prompt's <c>{prompt, arguments:{}}</c>)
    /// is not one the policy blocks. A read that needs an approval is listed: the caller may ask for it.
    /// </summary>
    public static bool Lists(TenantPolicy tenant, AuthenticatedCaller caller, CatalogEntry server, JsonObject read) =>
        Decide(tenant, caller, server, read).Kind is not (DecisionKind.Block or DecisionKind.BlockAndOpenIncident);

    private static bool Reads(TenantPolicy tenant, AuthenticatedCaller caller, CatalogEntry server, JsonObject args)
    {
        var decision = Decide(tenant, caller, server, args);
        return decision.IsAllowFamily || decision.Kind == DecisionKind.Degrade;
    }

    private static Decision Decide(TenantPolicy tenant, AuthenticatedCaller caller, CatalogEntry server, JsonObject args) =>
        DecisionEngine.Instance.Evaluate(tenant, caller, new ActionRequest
        {
            Tool = server.Name,
            Args = JsonElement.Parse(args.ToJsonString()),
        });
}
