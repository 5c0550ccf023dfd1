using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using Gateway.Audit.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Audit.Evidence;

/// <summary>
/// Every <see cref="EvidenceOptions.CheckpointInterval"/>, signs a checkpoint of each chain this replica writes (every one
/// of its <see cref="AuditJournal.Chains"/> chains per tenant) that grew since its last one, keeps it (the last <see cref="Kept"/> per chain, served by <c>audit/checkpoints</c> for export)
/// and pushes it to the witness (<see cref="EvidenceOptions.WitnessUrl"/>): a POST of
/// <c>{"type":"gamut.checkpoint","checkpoint":"&lt;JWS&gt;",…}</c>, retried with doubling backoff, each failure logged and
/// counted (<c>gateway.evidence.witness_pushes</c>). All of it runs here, in the background: nothing on the request path
/// waits for a checkpoint or a witness.
/// </summary>
public sealed class CheckpointPublisher : BackgroundService
{
    /// <summary>The named HttpClient of witness pushes.</summary>
    public const string HttpClientName = "Gateway.Oversight.Witness";

    /// <summary>Checkpoints kept per chain.</summary>
    public const int Kept = 1000;

    private readonly AuditJournal _journal;
    private readonly AuditProofs _proofs;
    private readonly IHttpClientFactory _httpClients;
    private readonly EvidenceOptions _options;
    private readonly AuditMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<CheckpointPublisher> _logger;
    private readonly ConcurrentDictionary<AuditPartition, List<SignedCheckpoint>> _published = new();

    public CheckpointPublisher(AuditJournal journal, AuditProofs proofs, IHttpClientFactory httpClients, IOptions<EvidenceOptions> options,
        AuditMetrics metrics, TimeProvider time, ILogger<CheckpointPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _journal = journal;
        _proofs = proofs;
        _httpClients = httpClients;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>The checkpoints published for the partition, oldest first.</summary>
    public IReadOnlyList<SignedCheckpoint> Published(AuditPartition partition)
    {
        if (!_published.TryGetValue(partition, out var list))
        {
            return [];
        }

        lock (list)
        {
            return [.. list];
        }
    }

    /// <summary>Checkpoints every chain this replica writes that grew, now (also what each interval does); returns the new ones.</summary>
    public async Task<IReadOnlyList<SignedCheckpoint>> PublishAsync(CancellationToken cancellationToken)
    {
        var published = new List<SignedCheckpoint>();
        foreach (var partition in _journal.WrittenChains)
        {
            var tenant = partition.Tenant;
            try
            {
                var checkpoint = await _proofs.CheckpointAsync(partition, null, cancellationToken).ConfigureAwait(false);
                var list = _published.GetOrAdd(partition, static _ => []);
                lock (list)
                {
                    if (checkpoint.Claims.TreeSize == 0 || (list.Count > 0 && list[^1].Claims.TreeSize >= checkpoint.Claims.TreeSize))
                    {
                        continue;
                    }

                    list.Add(checkpoint);
                    if (list.Count > Kept)
                    {
                        list.RemoveAt(0);
                    }
                }

                _metrics.CheckpointPublished(tenant);
                published.Add(checkpoint);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                AuditLog.CheckpointFailed(_logger, ex, partition.ToString());
            }
        }

        if (_options.WitnessUrl is not null)
        {
            foreach (var checkpoint in published)
            {
                // Each push on its own: a slow witness never delays the next interval's checkpoints.
                _ = PushAsync(checkpoint, cancellationToken);
            }
        }

        return published;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.CheckpointInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await PublishAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PushAsync(SignedCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var claims = checkpoint.Claims;
        var body = Body(checkpoint);
        var backoff = _options.WitnessInitialBackoff;
        for (var attempt = 1; attempt <= _options.WitnessMaxAttempts; attempt++)
        {
            string error;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.WitnessTimeout);
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await _httpClients.CreateClient(HttpClientName).PostAsync(_options.WitnessUrl, content, timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    _metrics.WitnessPush(claims.Tenant, "delivered");
                    return;
                }

                error = "http_" + (int)response.StatusCode;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                error = "timeout";
            }
            catch (HttpRequestException)
            {
                error = "unreachable";
            }
            catch (OperationCanceledException)
            {
                return;
            }

            AuditLog.WitnessPushFailed(_logger, $"{claims.Tenant}/{claims.Replica}", claims.TreeSize, attempt, error);
            if (attempt == _options.WitnessMaxAttempts)
            {
                break;
            }

            _metrics.WitnessPush(claims.Tenant, "retried");
            try
            {
                await Task.Delay(backoff, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff *= 2;
        }

        _metrics.WitnessPush(claims.Tenant, "dropped");
        AuditLog.WitnessPushDropped(_logger, $"{claims.Tenant}/{claims.Replica}", claims.TreeSize, _options.WitnessMaxAttempts);
    }

    private static byte[] Body(SignedCheckpoint checkpoint)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("type", "gamut.checkpoint");
            EvidenceJson.WriteCheckpointMembers(json, checkpoint);
            json.WriteEndObject();
        }

        return stream.ToArray();
    }
}
