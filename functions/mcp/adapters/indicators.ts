import { createIndicator } from '../../lib/indicators/index.ts';
import type { IndicatorPort } from '../ports.ts';

/** IndicatorPort over functions/lib/indicators: streaming updates, so every value carries its provenance. */
export const libraryIndicators: IndicatorPort = {
  compute(bars, specs) {
    return specs.map((spec) => {
      const indicator = createIndicator(spec);
      return bars.map((b) => indicator.update(b));
    });
  },
};
