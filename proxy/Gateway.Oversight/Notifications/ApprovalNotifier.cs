using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Notifications;

/// <summary>
/// Queues a new approval's notifications (one per channel the tenant configured, <see cref="Opened"/>: called by
/// <see cref="NotifyingApprovalStore"/> once the request is stored, never blocking it) and drains the
/// <see cref="ApprovalNotificationOutbox"/>: each attempt has <c>AttemptTimeout</c>; a failed one is due again after an
/// exponential backoff with jitter, until <c>MaxAttempts</c>, then dropped and logged. A failing channel delays only itself.
/// The key arguments are picked with the tool's input schema (<see cref="IToolInputSchemas"/>, where the host has a policy) as the console picks them.
/// </summary>
public sealed class ApprovalNotifier(
    ApprovalNotificationOutbox outbox,
    IEnumerable<IApprovalNotificationChannel> channels,
    IOptions<ApprovalNotificationOptions> options,
    TimeProvider time,
    ILogger<ApprovalNotifier> logger,
    IToolInputSchemas? schemas = null) : BackgroundService
{
    private const int ClaimBatch = 32;
    private static readonly TimeSpan IdleWait = TimeSpan.FromSeconds(30);
    private readonly IApprovalNotificationChannel[] _channels = channels.ToArray();

    /// <summary>Queues the notifications of a request just opened; never throws.</summary>
    public void Opened(Approvals.ApprovalRequest request)
    {
        try
        {
            var settings = options.Value;
            if (!settings.Tenants.TryGetValue(request.Tenant, out var tenantChannels) || settings.PublicOrigin is not { } origin)
            {
                return;
            }

            var notification = ApprovalNotification.Of(request, origin, schemas?.InputSchemaOf(request.Tenant, request.Tool));
            var now = time.GetUtcNow();
            foreach (var channel in _channels.Where(c => c.Applies(tenantChannels, notification)))
            {
                if (!outbox.TryAdd(new ApprovalOutboxEntry(notification, channel.Name, 0, now)))
                {
                    NotificationLog.OutboxFull(logger, request.Tenant, request.Id, channel.Name, outbox.Capacity);
                }
            }
        }
        catch (Exception ex)
        {
            NotificationLog.NotQueued(logger, ex, request.Tenant, request.Id);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = outbox.ClaimDue(time.GetUtcNow(), ClaimBatch);
            await Task.WhenAll(claimed.Select(entry => AttemptAsync(entry, stoppingToken)));
            if (claimed.Count == ClaimBatch)
            {
                continue;
            }

            var next = outbox.NextDue() is { } due ? due - time.GetUtcNow() : IdleWait;
            await outbox.WaitAsync(next <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(10) : next < IdleWait ? next : IdleWait, time, stoppingToken);
        }
    }

    /// <summary>One attempt of one entry, and what follows from it (delivered, due again, or dropped).</summary>
    internal async Task AttemptAsync(ApprovalOutboxEntry entry, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var notification = entry.Notification;
        var attempt = entry.Attempts + 1;
        var channel = _channels.FirstOrDefault(c => c.Name == entry.Channel);
        string? error;
        if (channel is null || !settings.Tenants.TryGetValue(notification.Tenant, out var tenantChannels))
        {
            error = "channel_removed";
            attempt = settings.MaxAttempts;
        }
        else
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(settings.AttemptTimeout);
            try
            {
                error = await channel.SendAsync(notification, tenantChannels, timeout.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                error = "timeout";
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                error = ex.GetType().Name;
            }
        }

        if (error is null)
        {
            NotificationLog.Delivered(logger, notification.Tenant, notification.ApprovalId, entry.Channel, attempt);
        }
        else if (attempt >= settings.MaxAttempts)
        {
            NotificationLog.GaveUp(logger, notification.Tenant, notification.ApprovalId, entry.Channel, attempt);
        }
        else
        {
            NotificationLog.Failed(logger, notification.Tenant, notification.ApprovalId, entry.Channel, attempt, error);
            if (!outbox.TryAdd(entry with { Attempts = attempt, DueAt = time.GetUtcNow() + Backoff(settings, attempt) }))
            {
                NotificationLog.OutboxFull(logger, notification.Tenant, notification.ApprovalId, entry.Channel, outbox.Capacity);
            }
        }
    }

    /// <summary>The delay after failed attempt <paramref name="attempt"/>: InitialBackoff doubled per attempt, capped, ±20 % jitter.</summary>
    private static TimeSpan Backoff(ApprovalNotificationOptions settings, int attempt)
    {
        var ticks = settings.InitialBackoff.Ticks;
        for (var i = 1; i < attempt && ticks < settings.MaxBackoff.Ticks; i++)
        {
            ticks *= 2;
        }

        return TimeSpan.FromTicks(Math.Min(ticks, settings.MaxBackoff.Ticks)) * (0.8 + (Random.Shared.NextDouble() * 0.4));
    }
}
