using System.Buffers;

namespace Gateway.Connectors.Streaming;

/// <summary>Runs body transforms one after another: the output of each is the input of the next.</summary>
internal sealed class BodyTransformChain : IBodyTransform
{
    private readonly IBodyTransform[] _transforms;
    // Each transform's output but the last, pooled: returned once the body is complete.
    private readonly PooledBufferWriter[] _stages;

    public BodyTransformChain(IReadOnlyList<IBodyTransform> transforms)
    {
        _transforms = [.. transforms];
        _stages = new PooledBufferWriter[Math.Max(0, _transforms.Length - 1)];
        for (var i = 0; i < _stages.Length; i++)
        {
            _stages[i] = new PooledBufferWriter();
        }
    }

    public void Write(ReadOnlySpan<byte> input, IBufferWriter<byte> output) => Run(input, output, complete: false);

    public void Complete(IBufferWriter<byte> output)
    {
        try
        {
            Run([], output, complete: true);
        }
        finally
        {
            foreach (var stage in _stages)
            {
                stage.Return();
            }
        }
    }

    private void Run(ReadOnlySpan<byte> input, IBufferWriter<byte> output, bool complete)
    {
        var current = input;
        for (var i = 0; i < _transforms.Length; i++)
        {
            IBufferWriter<byte> target = i == _transforms.Length - 1 ? output : _stages[i];
            if (i < _stages.Length)
            {
                _stages[i].ResetWrittenCount();
            }

            _transforms[i].Write(current, target);
            if (complete)
            {
                _transforms[i].Complete(target);
            }

            if (i < _stages.Length)
            {
                current = _stages[i].WrittenSpan;
            }
        }
    }
}
