using System.Runtime.InteropServices;
using Gateway.Proxy.Bundle;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Makes SIGHUP a policy reload (systemd's <c>ExecReload=kill -HUP</c>, the "HUP to reload" habit of nginx and envoy)
/// instead of the signal's default, which ends the process at once with no drain; registered once the policy is loaded,
/// kept until the host is disposed (a SIGHUP while it stops is ignored, never an end to the drain).
/// </summary>
internal sealed partial class PolicyReloadOnHangup(PolicyProvider policy, ILogger<PolicyReloadOnHangup> logger) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _registration;
    private volatile bool _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnHangup);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _registration?.Dispose();
        _registration = null;
    }

    private void OnHangup(PosixSignalContext context)
    {
        context.Cancel = true;
        if (_stopping)
        {
            LogHangupWhileStopping(logger);
            return;
        }

        LogHangup(logger);
        _ = policy.ReloadRequestedAsync();
    }

    [LoggerMessage(EventId = 2007, Level = LogLevel.Information, Message = "SIGHUP received: reloading the policy bundle")]
    private static partial void LogHangup(ILogger logger);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Information, Message = "SIGHUP received while the gateway stops: ignored")]
    private static partial void LogHangupWhileStopping(ILogger logger);
}
