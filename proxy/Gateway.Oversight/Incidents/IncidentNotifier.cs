using System.Text.Json;
using Gateway.Connectors.Signing;
using Gateway.Oversight.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Incidents;

/// <summary>
/// Drains the incident outbox of the <see cref="IIncidentStore"/>: POST to <c>Gateway:Incidents:WebhookUrl</c>,
/// signed like every gateway→upstream call (service key, agent line <c>gateway</c>, a fresh nonce and
/// timestamp per attempt). Each attempt is claimed from the store first (so replicas sharing a durable
/// outbox never send the same attempt twice, and an attempt cut short by a crash is claimed again: at least
/// once); a failed attempt is due again after an exponential backoff with jitter, until <c>MaxAttempts</c>.
/// Woken at once by <see cref="Wake"/>, otherwise every <c>PollInterval</c>. Every failure is logged.
/// </summary>
public sealed class IncidentNotifier : BackgroundService
{
    /// <summary>The named HttpClient used for deliveries.</summary>
    public const string HttpClientName = "Gateway.Oversight.Incidents";

    private const int ClaimBatch = 32;
    private static readonly TimeSpan LeaseMargin = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly IIncidentStore _store;
    private readonly IHttpClientFactory _httpClients;
    private readonly OversightKeys? _keys;
    private readonly TimeProvider _time;
    private readonly OversightMetrics _metrics;
    private readonly ILogger<IncidentNotifier> _logger;
    private readonly IncidentOptions _options;

    public IncidentNotifier(
        IIncidentStore store,
        IHttpClientFactory httpClients,
        TimeProvider time,
        OversightMetrics metrics,
        IOptions<OversightOptions> options,
        ILogger<IncidentNotifier> logger,
        OversightKeys? keys = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _httpClients = httpClients;
        _keys = keys;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _options = options.Value.Incidents;
    }

    /// <summary>Whether notifications are sent at all (a webhook and a service key are configured).</summary>
    public bool IsEnabled => _options.WebhookUrl is not null && _keys is not null;

    /// <summary>Tells the deliverer that the outbox has work due now; never blocks.</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!IsEnabled)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                claimed = await DeliverDueAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                OversightLog.IncidentOutboxUnavailable(_logger, ex);
            }

            if (claimed == ClaimBatch)
            {
                continue;
            }

            using var timer = new CancellationTokenSource(NextWait(), _time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, stoppingToken);
            try
            {
                await _wake.WaitAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The poll interval passed.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private TimeSpan NextWait() => _options.PollInterval < _options.InitialBackoff ? _options.PollInterval : _options.InitialBackoff;

    private async Task<int> DeliverDueAsync(CancellationToken stoppingToken)
    {
        var now = _time.GetUtcNow();
        var claimed = await _store.ClaimDueAsync(now, now + _options.AttemptTimeout + LeaseMargin, ClaimBatch, stoppingToken);
        await Task.WhenAll(claimed.Select(entry => AttemptAsync(entry, stoppingToken)));
        return claimed.Count;
    }

    private async Task AttemptAsync(IncidentOutboxEntry entry, CancellationToken stoppingToken)
    {
        var incident = entry.Incident;
        var error = await SendAsync(incident, entry.Attempt, stoppingToken);
        var now = _time.GetUtcNow();
        IncidentDelivery delivery;
        if (error is null)
        {
            _metrics.IncidentNotified(incident.Tenant);
            OversightLog.IncidentNotified(_logger, incident.Tenant, incident.Id, entry.Attempt);
            delivery = new IncidentDelivery { State = IncidentDelivery.Delivered, Attempts = entry.Attempt, DeliveredAt = now };
        }
        else if (entry.Attempt >= _options.MaxAttempts)
        {
            _metrics.IncidentNotificationDropped(incident.Tenant);
            OversightLog.IncidentNotifyGaveUp(_logger, incident.Tenant, incident.Id, entry.Attempt);
            delivery = new IncidentDelivery { State = IncidentDelivery.Failed, Attempts = entry.Attempt, LastError = error };
        }
        else
        {
            delivery = new IncidentDelivery { State = IncidentDelivery.Pending, Attempts = entry.Attempt, NextAttemptAt = now + Backoff(entry.Attempt), LastError = error };
        }

        try
        {
            await _store.RecordDeliveryAsync(incident.Tenant, incident.Id, delivery, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The claim's lease runs out and the attempt is made again: at least once.
            OversightLog.IncidentOutboxUnavailable(_logger, ex);
        }

        if (delivery.State == IncidentDelivery.Pending)
        {
            Wake();
        }
    }

    /// <summary>The delay after failed attempt <paramref name="attempt"/>: InitialBackoff doubled per attempt, capped, ±20 % jitter.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var ticks = _options.InitialBackoff.Ticks;
        for (var i = 1; i < attempt && ticks < _options.MaxBackoff.Ticks; i++)
        {
            ticks *= 2;
        }

        var capped = TimeSpan.FromTicks(Math.Min(ticks, _options.MaxBackoff.Ticks));
        return capped * (0.8 + (Random.Shared.NextDouble() * 0.4));
    }

    /// <summary>One signed POST; null when the webhook took it, else what went wrong (a status or an error kind).</summary>
    private async Task<string?> SendAsync(Incident incident, int attempt, CancellationToken stoppingToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new IncidentNotification { Type = IncidentNotification.OpenedType, Incident = incident with { Delivery = null } },
            OversightJsonContext.Default.IncidentNotification);
        var signer = new RequestSigner(_keys!.ServiceKey.Span, incident.Tenant, incident.Workspace ?? SignatureHeaders.GatewayAgent, SignatureHeaders.GatewayAgent, _time);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _options.WebhookUrl) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            signer.Sign(request, body);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            timeout.CancelAfter(_options.AttemptTimeout);
            using var response = await _httpClients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            OversightLog.IncidentNotifyRejected(_logger, incident.Tenant, incident.Id, attempt, (int)response.StatusCode);
            return "http_" + ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            OversightLog.IncidentNotifyFailed(_logger, ex, incident.Tenant, incident.Id, attempt);
            return ex is OperationCanceledException ? "timeout" : "unreachable";
        }
    }
}
