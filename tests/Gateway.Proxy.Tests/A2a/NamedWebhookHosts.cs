using System.Net;
using System.Net.Sockets;
using Gateway.Proxy.A2a;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// The A2A tests' resolver for push webhooks' host names (the gateway's <see cref="IWebhookHostResolver"/>, given in
/// place of the system's): public names, names pointing at the metadata address, loopback, or a public and a private
/// address at once, a name that never answers (the resolution's timeout), a public name answered only once the test opens
/// its gate (<see cref="Gated"/>: a request held between its recorded decision and its forward), and every other name not found.
/// </summary>
internal sealed class NamedWebhookHosts : IWebhookHostResolver
{
    public const string Public = "hooks.example.com";
    public const string Metadata = "metadata.internal.example";
    public const string Loopback = "loop.example.com";
    public const string PublicAndPrivate = "split.example.com";
    public const string NeverAnswers = "slow.example.com";
    public const string UnderPushDomain = "a.push.example.net";
    public const string Gated = "gated.example.com";

    private static readonly Dictionary<string, IPAddress[]> Names = new(StringComparer.Ordinal)
    {
        [Public] = [IPAddress.Parse("8.8.4.4")],
        [UnderPushDomain] = [IPAddress.Parse("8.8.4.4")],
        [Metadata] = [IPAddress.Parse("169.254.169.254")],
        [Loopback] = [IPAddress.Parse("127.0.0.1")],
        [PublicAndPrivate] = [IPAddress.Parse("8.8.8.8"), IPAddress.Parse("10.0.0.5")],
    };

    /// <summary>Completed when <see cref="Gated"/> is asked.</summary>
    public TaskCompletionSource GateReached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed by the test to answer <see cref="Gated"/>.</summary>
    public TaskCompletionSource GateOpen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The names asked, in order.</summary>
    public List<string> Asked { get; } = [];

    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        lock (Asked)
        {
            Asked.Add(host);
        }

        if (host == NeverAnswers)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        if (host == Gated)
        {
            GateReached.TrySetResult();
            await GateOpen.Task.WaitAsync(cancellationToken);
            return [IPAddress.Parse("8.8.4.4")];
        }

        return Names.TryGetValue(host, out var addresses) ? addresses : throw new SocketException((int)SocketError.HostNotFound);
    }
}
