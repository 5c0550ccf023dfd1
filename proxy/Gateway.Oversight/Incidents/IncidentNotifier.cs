using System.Text.Json;
using System.Threading.Channels;
using Gateway.Connectors.Signing;
using Gateway.Oversight.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Incidents;

/// <summary>
/// Delivers incident notifications in the background: POST to <c>Gateway:Incidents:WebhookUrl</c>,
/// signed like every gateway→upstream call (service key, agent line <c>gateway</c>, a fresh nonce and
/// timestamp per attempt), retried with exponential backoff and jitter until
/// <c>MaxAttempts</c>; every failure is logged. Queued notifications do not survive a restart.
/// </summary>
public sealed class IncidentNotifier : BackgroundService
{
    /// <summary>The named HttpClient used for deliveries.</summary>
    public const string HttpClientName = "Gateway.Oversight.Incidents";

    private const int QueueCapacity = 1024;
    private readonly Channel<Incident> _queue = Channel.CreateBounded<Incident>(new BoundedChannelOptions(QueueCapacity)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private readonly IHttpClientFactory _httpClients;
    private readonly OversightKeys? _keys;
    private readonly TimeProvider _time;
    private readonly OversightMetrics _metrics;
    private readonly ILogger<IncidentNotifier> _logger;
    private readonly IncidentOptions _options;

    public IncidentNotifier(
        IHttpClientFactory httpClients,
        TimeProvider time,
        OversightMetrics metrics,
        IOptions<OversightOptions> options,
        ILogger<IncidentNotifier> logger,
        OversightKeys? keys = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _httpClients = httpClients;
        _keys = keys;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _options = options.Value.Incidents;
    }

    /// <summary>Queues a notification; never blocks and never throws (a full queue is logged).</summary>
    public void Enqueue(Incident incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        if (_options.WebhookUrl is null || _keys is null)
        {
            return;
        }

        if (!_queue.Writer.TryWrite(incident))
        {
            _metrics.IncidentNotificationDropped(incident.Tenant);
            OversightLog.IncidentQueueFull(_logger, incident.Tenant, incident.Id);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var inFlight = new List<Task>();
        try
        {
            await foreach (var incident in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                inFlight.RemoveAll(static t => t.IsCompleted);
                inFlight.Add(DeliverAsync(incident, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }

        await Task.WhenAll(inFlight);
    }

    private async Task DeliverAsync(Incident incident, CancellationToken stoppingToken)
    {
        var url = _options.WebhookUrl!;
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new IncidentNotification { Type = IncidentNotification.OpenedType, Incident = incident },
            OversightJsonContext.Default.IncidentNotification);
        var signer = new RequestSigner(_keys!.ServiceKey.Span, incident.Tenant, incident.Workspace ?? SignatureHeaders.GatewayAgent, SignatureHeaders.GatewayAgent, _time);
        var delay = _options.InitialBackoff;
        for (var attempt = 1; attempt <= _options.MaxAttempts; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                signer.Sign(request, body);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(_options.AttemptTimeout);
                using var response = await _httpClients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    _metrics.IncidentNotified(incident.Tenant);
                    OversightLog.IncidentNotified(_logger, incident.Tenant, incident.Id, attempt);
                    return;
                }

                OversightLog.IncidentNotifyRejected(_logger, incident.Tenant, incident.Id, attempt, (int)response.StatusCode);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                OversightLog.IncidentNotifyFailed(_logger, ex, incident.Tenant, incident.Id, attempt);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (attempt == _options.MaxAttempts)
            {
                break;
            }

            var jittered = delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
            try
            {
                await Task.Delay(jittered, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxBackoff.Ticks));
        }

        _metrics.IncidentNotificationDropped(incident.Tenant);
        OversightLog.IncidentNotifyGaveUp(_logger, incident.Tenant, incident.Id, _options.MaxAttempts);
    }
}
