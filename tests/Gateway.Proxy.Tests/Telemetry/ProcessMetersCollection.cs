namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>
/// Tests that read what a gateway host's meter provider exports run alone, after the parallel collections: the provider
/// hears every meter of the same name in the process, so other tests' gateways add to exact counts, and a gateway host
/// disposed meanwhile (its <c>Gateway.Store</c> meter with it) ends the shared metric stream for every meter of that
/// name (opentelemetry-dotnet issue 6412): the OTLP test then waited in vain for its own <c>admit</c> duration.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMetersCollection
{
    public const string Name = "Process-wide meters (exact counts, run alone)";
}
