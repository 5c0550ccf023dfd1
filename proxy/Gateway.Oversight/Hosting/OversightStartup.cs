using Gateway.Oversight.Options;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Hosting;

/// <summary>
/// Start-up checks that need services: the host's keys are present and long enough, and the tenants' registers
/// are there (the audit log recovers its file sink's tips itself, Gateway.Audit's AuditStartup).
/// </summary>
internal sealed class OversightStartup(IServiceProvider services, IOptions<OversightOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        var keys = services.GetService<OversightKeys>();
        if (keys is null)
        {
            errors.Add("No OversightKeys: pass them to AddGatewayOversight or register an OversightKeys singleton.");
        }
        else
        {
            errors.AddRange(keys.Validate(options.Value.Incidents.WebhookUrl is not null));
        }

        if (services.GetService<Register.IRegisterDirectory>() is null)
        {
            errors.Add("No IRegisterDirectory: the host must register the tenants' registers (approvers, agents) for the admin API.");
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(nameof(OversightKeys), typeof(OversightKeys), errors);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
