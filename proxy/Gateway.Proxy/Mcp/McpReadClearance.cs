using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// Whether a caller may be told what a server holds beyond a governed read: the values <c>completion/complete</c> asks for a
/// prompt's argument or a resource template, or the updates <c>resources/subscribe</c> asks for a resource. Only where the
/// policy, asked as it would be of the read they are about (the <c>prompts/get</c> with the arguments so far, the
/// <c>resources/read</c> of the template or the resource), lets the caller read it now (the allow family or a degrade; never
/// what needs an approval, which neither can wait for); and never at a server that acts for a person, which would answer
/// under the connector's own identity, not the person's.
/// </summary>
internal static class McpReadClearance
{
    /// <summary>True when <paramref name="caller"/> may be told the completions <paramref name="request"/> asks of <paramref name="server"/>.</summary>
    public static bool PermitsCompletion(TenantPolicy tenant, AuthenticatedCaller caller, CatalogEntry server, Reference reference, CompleteRequestParams request) =>
        ReadOf(reference, request, completed: null) is { } args && Reads(tenant, caller, server, args);

    /// <summary>
    /// True when <paramref name="caller"/> may be told <paramref name="value"/>, one of the server's completions of
    /// <paramref name="request"/>: the read it names (the prompt with it as the argument, the template expanded with it) is
    /// one the caller may make, so that a completion lists no more than the policy lets the caller read.
    /// </summary>
    public static bool PermitsCompletedValue(TenantPolicy tenant, AuthenticatedCaller caller, CatalogEntry server, Reference reference, CompleteRequestParams request, string value) =>
        ReadOf(reference, request, value) is { } args && Reads(tenant, caller, server, args);

    // The read a completion is about: the prompt with the argument so far (or completed), the template as it is (or
    // expanded with the completed value); null for a request without an argument's name or another kind of reference.
    private static JsonObject? ReadOf(Reference reference, CompleteRequestParams request, string? completed)
    {
        if (request.Argument is not { Name: { } argument })
        {
            return null;
        }

        switch (reference)
        {
            case PromptReference prompt:
                return PromptArgs(prompt, request, argument, completed ?? request.Argument.Value);
            case ResourceTemplateReference { Uri: { } uri } when completed is null:
                return new JsonObject { ["uri"] = uri };
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

    /// <summary>True when <paramref name="caller"/> may follow the updates of <paramref name="uri"/> (the server's own) at <paramref name="server"/>.</summary>
    public static bool PermitsSubscription(TenantPolicy tenant, AuthenticatedCaller caller, CatalogEntry server, string uri) =>
        Reads(tenant, caller, server, new JsonObject { ["uri"] = uri });

    private static bool Reads(TenantPolicy tenant, AuthenticatedCaller caller, CatalogEntry server, JsonObject args)
    {
        if (server.Person is not null)
        {
            return false;
        }

        var decision = DecisionEngine.Instance.Evaluate(tenant, caller, new ActionRequest
        {
            Tool = server.Name,
            Args = JsonElement.Parse(args.ToJsonString()),
        });
        return decision.IsAllowFamily || decision.Kind == DecisionKind.Degrade;
    }
}
