using System.ClientModel;
using System.ClientModel.Primitives;

namespace Gamut.Agent;

/// <summary>
/// A System.ClientModel policy that signs each request of a client such as the .NET <c>OpenAI</c> package
/// for the gateway's provider route. Added before the transport (after the client set its own headers): it
/// refuses any other origin and secret material in the body, and drops the placeholder <c>Authorization</c>. A person's
/// <c>X-Gamut-Person</c> and a run's <c>X-Gamut-Run</c> on the request are covered; a request that names no run carries
/// the one of its client (<see cref="GamutOpenAI.CreateOpenAIClientOptions"/>) or of the enclosing
/// <see cref="GamutClient.RunAsync{T}"/> scope of this agent, and one that names no person its client's person (<see cref="GamutClient.ForPerson"/>).
/// </summary>
public sealed class GamutPipelinePolicy : PipelinePolicy
{
    private readonly GamutOptions _options;
    private readonly Uri _gateway;
    private readonly TimeProvider _time;

    public GamutPipelinePolicy(GamutOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _gateway = options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The run of the client this policy signs for, read as each request is sent; null for none.</summary>
    internal Func<string?>? Run { get; init; }

    /// <summary>The identity token of the person the client this policy signs for acts for; null for the agent alone.</summary>
    internal string? Person { get; init; }

    /// <inheritdoc/>
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ArgumentNullException.ThrowIfNull(message);
        Sign(message.Request, message.CancellationToken);
        ProcessNext(message, pipeline, currentIndex);
    }

    /// <inheritdoc/>
    public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        ArgumentNullException.ThrowIfNull(message);
        Sign(message.Request, message.CancellationToken);
        await ProcessNextAsync(message, pipeline, currentIndex).ConfigureAwait(false);
    }

    private void Sign(PipelineRequest request, CancellationToken cancellationToken)
    {
        var uri = request.Uri ?? throw new GamutConfigurationException("A signed request needs a URI.");
        if (Uri.Compare(uri, _gateway, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw new GamutConfigurationException($"Refused a request to {uri.GetLeftPart(UriPartial.Authority)}: a Gamut agent sends requests to its gateway only.");
        }

        byte[] body = [];
        if (request.Content is { } content)
        {
            using var buffer = new MemoryStream();
            content.WriteTo(buffer, cancellationToken);
            body = buffer.ToArray();
            request.Content = BinaryContent.Create(BinaryData.FromBytes(body)); // the signature covers exactly these bytes
            if (body.Length > 0 && (!request.Headers.TryGetValue("Content-Type", out var type) || type is null || type.Contains("json", StringComparison.OrdinalIgnoreCase)))
            {
                var findings = SecretMaterial.Find(body);
                if (findings.Count > 0)
                {
                    throw new GamutSecretMaterialException(findings);
                }
            }
        }

        request.Headers.Remove("Authorization");
        AgentSignature.ThrowIfAgentSecret(_options.Secret, string.Empty, [], request.Headers); // Apply sees the target and body, not these headers
        using var signed = new HttpRequestMessage(new HttpMethod(request.Method), uri);
        if ((request.Headers.TryGetValue(AgentSignature.PersonHeader, out var named) && named is not null ? named : Person) is { } person)
        {
            signed.Headers.TryAddWithoutValidation(AgentSignature.PersonHeader, person);
        }

        var run = request.Headers.TryGetValue(AgentSignature.RunHeader, out var namedRun) && namedRun is not null ? namedRun : Run?.Invoke() ?? GamutRunContext.CurrentFor(_options);
        if (run is not null)
        {
            signed.Headers.TryAddWithoutValidation(AgentSignature.RunHeader, run);
        }

        AgentSignature.Apply(signed, _options, body, _time);
        foreach (var header in signed.Headers)
        {
            request.Headers.Set(header.Key, string.Join(",", header.Value));
        }
    }
}
