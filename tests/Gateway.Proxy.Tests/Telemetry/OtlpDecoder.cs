using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>A span as received: name, kind, ids (hex), scope, resource and span attributes (values as strings).</summary>
public sealed record OtlpSpan(
    string Name,
    int Kind,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Scope,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyDictionary<string, string> Resource);

/// <summary>A metric as received: name, unit, scope and the attribute sets of its data points.</summary>
public sealed record OtlpMetric(string Name, string Unit, string Scope, IReadOnlyList<IReadOnlyDictionary<string, string>> Points);

/// <summary>A log record as received: body, severity, event name, attributes (scopes included) and trace id.</summary>
public sealed record OtlpLogRecord(string Body, int Severity, string Scope, string TraceId, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// Just enough of the protobuf wire format (varints, fixed32/64, length-delimited fields) to walk
/// the OTLP export requests (opentelemetry-proto, collector/*/v1) the exporter sends.
/// </summary>
public static class OtlpDecoder
{
    // ExportTraceServiceRequest.resource_spans(1) > ResourceSpans{resource(1), scope_spans(2)} > ScopeSpans{scope(1), spans(2)}
    public static IReadOnlyList<OtlpSpan> DecodeTraces(ReadOnlyMemory<byte> request)
    {
        var spans = new List<OtlpSpan>();
        foreach (var resourceSpans in Fields(request, 1))
        {
            var resource = ResourceOf(resourceSpans);
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                var scope = ScopeNameOf(scopeSpans);
                foreach (var span in Fields(scopeSpans, 2))
                {
                    // Span{trace_id(1), span_id(2), parent_span_id(4), name(5), kind(6), attributes(9)}
                    string name = string.Empty, traceId = string.Empty, spanId = string.Empty, parent = string.Empty;
                    var kind = 0;
                    var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var field in Read(span))
                    {
                        switch (field.Number)
                        {
                            case 1: traceId = Convert.ToHexStringLower(field.Bytes.Span); break;
                            case 2: spanId = Convert.ToHexStringLower(field.Bytes.Span); break;
                            case 4: parent = Convert.ToHexStringLower(field.Bytes.Span); break;
                            case 5: name = Utf8(field.Bytes); break;
                            case 6: kind = (int)field.Varint; break;
                            case 9: AddKeyValue(attributes, field.Bytes); break;
                        }
                    }

                    spans.Add(new OtlpSpan(name, kind, traceId, spanId, parent, scope, attributes, resource));
                }
            }
        }

        return spans;
    }

    // ExportMetricsServiceRequest.resource_metrics(1) > ResourceMetrics{scope_metrics(2)} > ScopeMetrics{scope(1), metrics(2)}
    public static IReadOnlyList<OtlpMetric> DecodeMetrics(ReadOnlyMemory<byte> request)
    {
        var metrics = new List<OtlpMetric>();
        foreach (var resourceMetrics in Fields(request, 1))
        {
            foreach (var scopeMetrics in Fields(resourceMetrics, 2))
            {
                var scope = ScopeNameOf(scopeMetrics);
                foreach (var metric in Fields(scopeMetrics, 2))
                {
                    // Metric{name(1), unit(3), gauge(5), sum(7), histogram(9), exponential_histogram(10)}; each has data_points(1).
                    string name = string.Empty, unit = string.Empty;
                    var points = new List<IReadOnlyDictionary<string, string>>();
                    foreach (var field in Read(metric))
                    {
                        switch (field.Number)
                        {
                            case 1: name = Utf8(field.Bytes); break;
                            case 3: unit = Utf8(field.Bytes); break;
                            case 5 or 7 or 9 or 10:
                                // NumberDataPoint.attributes(7); HistogramDataPoint.attributes(9); ExponentialHistogramDataPoint.attributes(1).
                                var attributeField = field.Number switch { 9 => 9, 10 => 1, _ => 7 };
                                foreach (var point in Fields(field.Bytes, 1))
                                {
                                    var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                                    foreach (var keyValue in Fields(point, attributeField))
                                    {
                                        AddKeyValue(attributes, keyValue);
                                    }

                                    points.Add(attributes);
                                }

                                break;
                        }
                    }

                    metrics.Add(new OtlpMetric(name, unit, scope, points));
                }
            }
        }

        return metrics;
    }

    // ExportLogsServiceRequest.resource_logs(1) > ResourceLogs{scope_logs(2)} > ScopeLogs{scope(1), log_records(2)}
    public static IReadOnlyList<OtlpLogRecord> DecodeLogs(ReadOnlyMemory<byte> request)
    {
        var logs = new List<OtlpLogRecord>();
        foreach (var resourceLogs in Fields(request, 1))
        {
            foreach (var scopeLogs in Fields(resourceLogs, 2))
            {
                var scope = ScopeNameOf(scopeLogs);
                foreach (var record in Fields(scopeLogs, 2))
                {
                    // LogRecord{severity_number(2), body(5), attributes(6), trace_id(9)}
                    string body = string.Empty, traceId = string.Empty;
                    var severity = 0;
                    var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var field in Read(record))
                    {
                        switch (field.Number)
                        {
                            case 2: severity = (int)field.Varint; break;
                            case 5: body = AnyValueText(field.Bytes); break;
                            case 6: AddKeyValue(attributes, field.Bytes); break;
                            case 9: traceId = Convert.ToHexStringLower(field.Bytes.Span); break;
                        }
                    }

                    logs.Add(new OtlpLogRecord(body, severity, scope, traceId, attributes));
                }
            }
        }

        return logs;
    }

    private static Dictionary<string, string> ResourceOf(ReadOnlyMemory<byte> resourceContainer)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in Fields(resourceContainer, 1))
        {
            foreach (var keyValue in Fields(resource, 1))
            {
                AddKeyValue(attributes, keyValue);
            }
        }

        return attributes;
    }

    // InstrumentationScope{name(1)}
    private static string ScopeNameOf(ReadOnlyMemory<byte> scopeContainer)
    {
        foreach (var scope in Fields(scopeContainer, 1))
        {
            foreach (var name in Fields(scope, 1))
            {
                return Utf8(name);
            }
        }

        return string.Empty;
    }

    // KeyValue{key(1), value(2)}
    private static void AddKeyValue(Dictionary<string, string> attributes, ReadOnlyMemory<byte> keyValue)
    {
        string? key = null;
        var value = string.Empty;
        foreach (var field in Read(keyValue))
        {
            if (field.Number == 1)
            {
                key = Utf8(field.Bytes);
            }
            else if (field.Number == 2)
            {
                value = AnyValueText(field.Bytes);
            }
        }

        if (key is not null)
        {
            attributes[key] = value;
        }
    }

    // AnyValue{string_value(1), bool_value(2), int_value(3), double_value(4), array_value(5), kvlist_value(6), bytes_value(7)}
    private static string AnyValueText(ReadOnlyMemory<byte> anyValue)
    {
        foreach (var field in Read(anyValue))
        {
            switch (field.Number)
            {
                case 1: return Utf8(field.Bytes);
                case 2: return field.Varint != 0 ? "true" : "false";
                case 3: return ((long)field.Varint).ToString(CultureInfo.InvariantCulture);
                case 4: return BitConverter.Int64BitsToDouble((long)field.Varint).ToString(CultureInfo.InvariantCulture);
                case 5 or 6 or 7: return "<" + field.Bytes.Length.ToString(CultureInfo.InvariantCulture) + " bytes>";
            }
        }

        return string.Empty;
    }

    private static IEnumerable<ReadOnlyMemory<byte>> Fields(ReadOnlyMemory<byte> message, int number) =>
        Read(message).Where(f => f.Number == number && f.WireType == 2).Select(f => f.Bytes);

    private static string Utf8(ReadOnlyMemory<byte> bytes) => Encoding.UTF8.GetString(bytes.Span);

    /// <summary>The fields of one message, in order. Varint and fixed values come in <see cref="Field.Varint"/>.</summary>
    private static List<Field> Read(ReadOnlyMemory<byte> message)
    {
        var fields = new List<Field>();
        var span = message.Span;
        var position = 0;
        while (position < span.Length)
        {
            var tag = ReadVarint(span, ref position);
            var number = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0:
                    fields.Add(new Field(number, wireType, ReadVarint(span, ref position), default));
                    break;
                case 1:
                    Need(span, position, 8);
                    fields.Add(new Field(number, wireType, BinaryPrimitives.ReadUInt64LittleEndian(span[position..]), default));
                    position += 8;
                    break;
                case 2:
                    var length = checked((int)ReadVarint(span, ref position));
                    Need(span, position, length);
                    fields.Add(new Field(number, wireType, 0, message.Slice(position, length)));
                    position += length;
                    break;
                case 5:
                    Need(span, position, 4);
                    fields.Add(new Field(number, wireType, BinaryPrimitives.ReadUInt32LittleEndian(span[position..]), default));
                    position += 4;
                    break;
                default:
                    throw new FormatException($"Unsupported wire type {wireType} for field {number}.");
            }
        }

        return fields;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            Need(span, position, 1);
            var b = span[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new FormatException("Varint longer than 10 bytes.");
    }

    private static void Need(ReadOnlySpan<byte> span, int position, int count)
    {
        if (count < 0 || position + count > span.Length)
        {
            throw new FormatException("Truncated protobuf message.");
        }
    }

    private readonly record struct Field(int Number, int WireType, ulong Varint, ReadOnlyMemory<byte> Bytes);
}
