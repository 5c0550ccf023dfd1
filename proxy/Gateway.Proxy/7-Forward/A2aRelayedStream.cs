using Gateway.Proxy.A2a;

namespace Gateway.Proxy.Forward;

/// <summary>
/// A remote agent's event stream relayed to the caller as it came (<see cref="A2aStreamRelay"/>), on the
/// <see cref="UpstreamResponse"/>: how many of its replies were passed on, and the task states they showed, in order, for
/// the Respond stage to record.
/// </summary>
/// <param name="Relayed">The replies passed on (each redacted, under the caller's id); 0 when the stream carried none.</param>
/// <param name="States">The task states the relayed replies showed, in order.</param>
internal sealed record A2aRelayedStream(int Relayed, IReadOnlyList<A2aTaskState> States);
