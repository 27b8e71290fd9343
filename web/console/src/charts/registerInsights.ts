// The ECharts parts only the effect, funnel and cohort pages draw with;
// registered by those pages so the other pages' charts stay as small.
import { use } from 'echarts/core'
import { CustomChart, FunnelChart, HeatmapChart } from 'echarts/charts'
import { MarkLineComponent, VisualMapComponent } from 'echarts/components'

use([CustomChart, FunnelChart, HeatmapChart, MarkLineComponent, VisualMapComponent])
