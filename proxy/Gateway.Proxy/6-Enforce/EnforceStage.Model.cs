using System.Text.Json;
using Gateway.Connectors.Kinds;
using Gateway.Connectors.Models;
using Gateway.Policy;
using Gateway.Proxy.Reservations;

namespace Gateway.Proxy.Enforce;

/// <summary>The model facts Enforce reads of a model call's body: the body as rewritten, its model and output ceiling.</summary>
internal sealed partial class EnforceStage
{
    /// <summary>The model body as sent: the one rewrite a governed model call's envelope gets too (route degrade, streamed usage).</summary>
    private static ReadOnlyMemory<byte> ModelBody(HttpContext context, CatalogEntry entry, DegradeSpec? degrade, ReadOnlyMemory<byte> body, JsonElement parsed)
    {
        if (body.IsEmpty)
        {
            return body;
        }

        if (entry.Type().ModelApiFor(context.Request.Path.Value ?? string.Empty) is not { } api)
        {
            return body;
        }

        try
        {
            return ModelRequestRewriter.Rewrite(body.Span, parsed, api, entry, degrade, ModelRequestRewriter.Generates(api, context.Request.Path.Value ?? string.Empty)) ?? body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    /// <summary>The model a request names and its output-token ceiling.</summary>
    private static (string? Model, long Ceiling) ModelFacts(JsonElement request, ModelApi? api) =>
        (request.ValueKind == JsonValueKind.Object && request.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String ? model.GetString() : null,
            TokenBudgets.TokenEstimator.Estimate(request, api));

    /// <summary>The same, for a body a route degrade rewrote (parsed here once).</summary>
    private static (string? Model, long Ceiling) ModelFacts(ReadOnlyMemory<byte> body, ModelApi? api)
    {
        if (body.IsEmpty)
        {
            return (null, TokenBudgets.TokenEstimator.DefaultMaxTokens);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return ModelFacts(document.RootElement, api);
        }
        catch (JsonException)
        {
            return (null, TokenBudgets.TokenEstimator.DefaultMaxTokens);
        }
    }
}
