using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;

namespace Gamut.Agent;

/// <summary>One line of setup for the .NET <c>OpenAI</c> client through the gateway: <c>gamut.CreateOpenAIClient()</c>.</summary>
public static class GamutOpenAI
{
    /// <summary>Options on <c>&lt;GAMUT_BASE_URL&gt;/providers/&lt;connector&gt;</c> with the signing policy (carrying <paramref name="gamut"/>'s run and person), no client retries, and the client's <see cref="GamutOptions.Timeout"/> as network timeout.</summary>
    public static OpenAIClientOptions CreateOpenAIClientOptions(this GamutClient gamut, string connector = "openai")
    {
        ArgumentNullException.ThrowIfNull(gamut);
        var options = new OpenAIClientOptions
        {
            Endpoint = gamut.ProviderUri(connector),
            // Never retried by the client: a retried model call could be billed or act twice.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
            // The client's timeout bounds each model call as it bounds every other call (not the pipeline's 100 s default).
            NetworkTimeout = gamut.Options.Timeout,
        };
        options.AddPolicy(new GamutPipelinePolicy(gamut.Options) { Run = () => gamut.RunId, Person = gamut.PersonToken }, PipelinePosition.BeforeTransport);
        return options;
    }

    /// <summary>An <see cref="OpenAIClient"/> whose requests go, signed, to the gateway (which holds the provider key).</summary>
    public static OpenAIClient CreateOpenAIClient(this GamutClient gamut, string connector = "openai") =>
        new(new ApiKeyCredential("gamut-signed-request"), gamut.CreateOpenAIClientOptions(connector));
}
